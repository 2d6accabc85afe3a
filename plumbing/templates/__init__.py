"""Campaign email templates: the Jinja2 sandbox, the child process that renders within a
budget, and what a valid template is (decision 0018). The registry validates with it, the
mailer renders with it, so both agree on every rule."""
