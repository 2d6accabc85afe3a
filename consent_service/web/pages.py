"""Rendering a public page: the layout's context, the security headers, the status.

Every public view ends in `render()`. The pages load nothing from other sites and run no
script, so the Content-Security-Policy can forbid both; a token in the URL is a key, so the
answer is never cached and never leaks in a Referer.
"""

from typing import Any

from flask import Flask, Response, current_app, g, render_template, url_for

from consent_service.config import Settings
from consent_service.faces import csrf
from consent_service.faces.languages import current_locale, language_links

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
HSTS = "max-age=31536000"


def settings() -> Settings:
    return current_app.extensions["consent.settings"]


def is_https() -> bool:
    return settings().public_base_url.startswith("https://")


def render(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(template, **context)
    return Response(html, status=status, mimetype="text/html")


def allow_form_action(origin: str) -> None:
    """Let this page's form lead to `origin` too: CSP `form-action` also governs where the
    POST's answer may redirect (CSP Level 3, section 6.4.1), e.g. a form's success page."""
    g.form_action_origins = (*g.get("form_action_origins", ()), origin)


def secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    extra = g.get("form_action_origins")
    if extra:
        response.headers["Content-Security-Policy"] = SECURITY_HEADERS[
            "Content-Security-Policy"
        ].replace("form-action 'self'", " ".join(("form-action 'self'", *extra)))
    if is_https():
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init(app: Flask) -> None:
    @app.context_processor
    def _layout() -> dict[str, Any]:
        current = settings()
        return {
            "brand": current.branding,
            "contacts": current.contacts,
            "lang": current_locale(),
            "languages": language_links,
            "csrf_field": csrf.field,
            "policy_url": lambda: url_for("policy.current_policy_page"),
        }
