"""Campaign email templates: the Jinja2 sandbox both parts use, and what a valid one is.

The registry validates a campaign's content when it is created and the mailer renders it
when it sends; both must agree on the environment and the variables, so both live here.
Templates run in Jinja2's sandbox (marketing writes them, not developers), undefined names
are errors rather than empty strings, and the HTML part is autoescaped.
"""

from collections.abc import Mapping

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from schemas.vocabulary import LOCALES

PARTS = ("subject", "html", "text")

PERSONAL_VARIABLES = frozenset({"unsubscribe_url", "preferences_url", "name"})
"""Different for every recipient."""

RUN_VARIABLES = frozenset({"locale"})
"""The same for every recipient of one locale in one run."""

VARIABLES = PERSONAL_VARIABLES | RUN_VARIABLES
"""Every name a template may use (documented in docs/email.md)."""


def environment(*, html: bool) -> SandboxedEnvironment:
    """A sandboxed environment; the HTML part autoescapes, the subject and text do not."""
    return SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=html,
        keep_trailing_newline=True,
    )


def content_errors(
    content: Mapping[str, Mapping[str, str]], default_locale: str
) -> dict[str, list[str]]:
    """Problems with a campaign's content, keyed by where they are (`ky.html`); {} if none.

    A syntax error names its line; an unknown variable is named with the ones allowed; the
    default locale must have a version because every recipient may fall back to it.
    """
    errors: dict[str, list[str]] = {}
    if default_locale not in content:
        errors[default_locale] = [f"a version in the default locale {default_locale!r} is required"]
    for locale, parts in content.items():
        if locale not in LOCALES:
            errors[locale] = [f"unknown locale; use one of {', '.join(LOCALES)}"]
            continue
        for part in PARTS:
            problem = template_error(parts.get(part, ""), html=part == "html")
            if problem:
                errors[f"{locale}.{part}"] = [problem]
    return errors


def template_error(source: str, *, html: bool) -> str | None:
    """Why this template cannot be rendered, or None."""
    env = environment(html=html)
    try:
        parsed = env.parse(source)
    except TemplateSyntaxError as error:
        return f"line {error.lineno}: {error.message}"
    unknown = sorted(meta.find_undeclared_variables(parsed) - VARIABLES)
    if unknown:
        allowed = ", ".join(sorted(VARIABLES))
        return f"undefined variable(s) {', '.join(unknown)}; templates may use {allowed}"
    return None
