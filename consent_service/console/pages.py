"""Drawing a console page: the layout's context, the navigation, the security headers.

The console wears the public pages' look (their stylesheet and the brand colour) with a
stylesheet of its own for denser work, and runs one script of ours (static/console.js) that only
adds live parts. The Content-Security-Policy therefore allows scripts, styles and fetches from
the registry itself and nothing inline; frames from the registry itself (an email preview is a
document of its own, with its own policy, decision 0029); and form submissions to the registry
and to the identity provider, whose authorization endpoint the single sign-on form redirects to.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Response, render_template, request, url_for
from flask_babel import gettext as _

from consent_service.console import access, sessions
from consent_service.domain.staff.sign_in import Step
from consent_service.faces import csrf
from consent_service.faces.error_pages import error_texts
from consent_service.faces.languages import current_locale, language_links

POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-src 'self'; form-action {form_action}; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
HSTS = "max-age=31536000"


def content_security_policy() -> str:
    form_action = ["'self'"]
    single_sign_on = sessions.settings().console.single_sign_on
    if single_sign_on is not None:
        issuer = urlsplit(single_sign_on.issuer)
        form_action.append(f"{issuer.scheme}://{issuer.netloc}")
    return POLICY.format(form_action=" ".join(form_action))


def secure(response: Response) -> Response:
    """The console's headers. An answer that brings its own policy (an email preview, framed by
    a console page) keeps it, and may be framed by the console itself."""
    own_policy = response.headers.get("Content-Security-Policy")
    response.headers.update(HEADERS)
    if own_policy:
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response.headers["Content-Security-Policy"] = content_security_policy()
    if sessions.is_https():
        response.headers["Strict-Transport-Security"] = HSTS
    return response


@dataclass(frozen=True)
class Section:
    """A part of the console in the navigation."""

    endpoint: str
    title: str
    current: bool


SectionEntry = tuple[str, str | None, str]
"""(endpoint, scope, title) of a section: the scope its page's access declares."""


def _daily_work() -> list[SectionEntry]:
    """The sections of the everyday desks, in the navigation's order. A new page joins here or
    in `_administration` with the scope its access declares."""
    return [
        ("console_home.dashboard", None, _("Overview")),
        ("console_subjects.find", "subjects:read", _("People")),
        ("console_campaigns.campaign_list", "campaigns:read", _("Campaigns")),
        ("console_layouts.layouts", "layouts:write", _("Email layouts")),
        ("console_requests.request_list", "requests:write", _("Requests")),
        ("console_reports.reports", "reports:read", _("Reports")),
    ]


def _administration() -> list[SectionEntry]:
    """The sections that look after the service itself rather than a day's work: drawn as a
    group of their own, so that the everyday ones stay easy to find."""
    return [
        ("console_audit.audit_page", "audit:read", _("Audit")),
        ("console_suppressions.suppression_list", "suppressions:write", _("Suppressions")),
        ("console_imports.import_form", "imports:write", _("Import")),
        ("console_policies.policies", "policies:admin", _("Privacy policy")),
        ("console_keys.keys", "keys:admin", _("API keys")),
        ("console_forms.form_list", "forms:admin", _("Sign-up forms")),
        ("console_users.users", "users:admin", _("Users")),
    ]


@dataclass(frozen=True)
class Navigation:
    """The sections a person may open, the everyday ones and the administration's."""

    daily_work: list[Section]
    administration: list[Section]

    def __bool__(self) -> bool:
        return bool(self.daily_work or self.administration)


def navigation() -> Navigation:
    """The sections the signed-in person may open; nothing for someone still signing in."""
    visit = access.visit()
    if visit is None or visit.step is not Step.DONE:
        return Navigation([], [])

    def open_to_them(entries: list[SectionEntry]) -> list[Section]:
        return [
            Section(endpoint, title, request.endpoint == endpoint)
            for endpoint, scope, title in entries
            if scope is None or visit.may(scope)
        ]

    return Navigation(open_to_them(_daily_work()), open_to_them(_administration()))


def render(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(
        template,
        brand=sessions.settings().branding,
        lang=current_locale(),
        languages=language_links,
        csrf_field=csrf.field,
        visit=access.visit(),
        navigation=navigation,
        **context,
    )
    return Response(html, status=status, mimetype="text/html")


FRAGMENT_HEADER = "X-Console-Fragment"
"""Marks an answer as a fragment: console.js swaps in nothing else (a sign-in page, say)."""


def fragment(template: str, **context: Any) -> Response:
    """A part of a page that console.js refreshes (decision 0029)."""
    html = render_template(template, **context)
    response = Response(html, mimetype="text/html")
    response.headers[FRAGMENT_HEADER] = "1"
    return response


def forbidden() -> Response:
    """The page for a signed-in person whose roles do not include what a page needs."""
    return render(
        "console/notice.html",
        403,
        title=_("Not for your role"),
        lead=_("Your roles do not include this page. Ask an administrator if your work needs it."),
        back=url_for("console_home.dashboard"),
    )


def error_page(status: int) -> Response:
    title, lead = error_texts(status)
    return render("console/notice.html", status, title=title, lead=lead)
