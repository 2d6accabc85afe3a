"""The previews of a campaign's email per language, for a sample or a chosen recipient.

A preview is a document of its own at `/console/campaigns/<id>/preview/<locale>`, framed by
the campaign's page in `<iframe sandbox>`: an email's inline styles need a policy the console's
pages do not give, so the preview answers with its own (`sandbox`, no script, inline styles
and https images only, framed only by the console), decision 0029. It is the email as a run
sends it: the campaign's content rendered by the code and budgets a run uses, inside the
layout's header and footer drawn by the mailer's own frame (services/campaign_previews.py);
`?part=text` answers the text part as plain text.

Whoever may look people up (`subjects:read`; not marketing) may also type a subject id,
external id or whole email address in the page's GET form (`as`, `locale`) and see the email
with that person's name in their language; the iframes carry the person's subject id in the
same parameter, so it all works without JavaScript. The links stay stand-ins, never the
person's working link tokens: a click in a preview must not unsubscribe anyone. Every page or
document that shows a chosen person is a line in the console audit log (decision 0036).
"""

import uuid
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import gettext as _

from consent_service.adapters.repository import SqlRepository
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.desk import audit_change, campaign_or_404
from consent_service.console.pages import forbidden
from consent_service.domain.locales import LOCALES
from consent_service.domain.staff.accounts import AuditAction
from consent_service.faces import csrf
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import campaign_previews as previews
from consent_service.services.campaign_previews import NobodyFound, Preview, find_subject
from consent_service.services.campaigns import CampaignView
from consent_service.services.ports.subjects import SubjectRow

blueprint = Blueprint("console_campaign_previews", __name__, url_prefix="/console/campaigns")
csrf.protect(blueprint)
guard(blueprint, forbidden)

READ = "campaigns:read"
PEOPLE = "subjects:read"
AS = "as"
"""The parameter naming the chosen person, on the page (as typed) and in the iframes (by id)."""
PREVIEW_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
"""What a preview may do: show its styles and images, nothing else (no script: `sandbox`
without allow-scripts). `'self'` lets the frame's header show the registry's own copy of the
logo (`/static/brand-logo`), which a development server serves over plain http."""


def stand_in_links() -> dict[str, str]:
    """Links to the registry's own pages that no token opens: a click changes nothing."""
    base = current_app.extensions["consent.settings"].public_base_url
    return {
        "unsubscribe_url": f"{base}/u/preview",
        "preferences_url": f"{base}/preferences/preview",
    }


def sample_values() -> dict[str, str]:
    """A sample recipient: a name as long as real ones, stand-in links."""
    return {"name": _("Aigul Osmonova"), **stand_in_links()}


def person_values(subject: SubjectRow) -> dict[str, str]:
    """A chosen person's name as a run gives it (on one line), with stand-in links."""
    return {"name": " ".join((subject.name or "").split()), **stand_in_links()}


def preview_of(view: CampaignView, locale: str, values: dict[str, str]) -> Preview:
    """The email inside the layout a run would carry now (the campaign's or the default)."""
    shop = current_app.extensions["consent.settings"].shop
    with read_only() as registry:
        layout = previews.frame_of(registry.campaigns, view.campaign, shop)
    return previews.preview(view.campaign, locale, values, layout, shop)


@dataclass(frozen=True)
class Chosen:
    """The person the page's form asked for: as typed, the language asked for ("" for
    theirs), and who was found or why nobody was."""

    query: str
    locale: str = ""
    subject: SubjectRow | None = None
    problem: str | None = None

    @property
    def shown_locale(self) -> str:
        """The language the preview is in: the one asked for, else the person's own."""
        if self.locale:
            return self.locale
        return self.subject.locale if self.subject else ""


class NotAllowed(Exception):
    """The person may not look people up, yet the request names one."""


def chosen(campaign_id: uuid.UUID, shown: str, locale: str = "") -> Chosen | None:
    """The person named by the request's `as`, looked up and recorded in the audit log; None
    when the request names nobody (no `as`, or an empty one). NotAllowed without
    `subjects:read`, whatever `as` holds."""
    if AS not in request.args:
        return None
    if not signed_in().may(PEOPLE):
        raise NotAllowed
    query = request.args.get(AS, "")
    if not query.strip():
        return None  # the form sent with an empty field: the sample recipient again
    asked = locale if locale in LOCALES else ""

    def look_up(registry: SqlRepository) -> SubjectRow:
        subject = find_subject(registry, query)
        audit_change(
            registry,
            AuditAction.CAMPAIGN_PREVIEWED_AS_SUBJECT,
            campaign_id,
            subject_id=str(subject.id),
            locale=asked or subject.locale,
            shown=shown,
        )
        return subject

    try:
        return Chosen(query, asked, in_transaction(look_up))
    except NobodyFound as nobody:
        problem = (
            _("More than one person has this external id: type their subject id or email address.")
            if nobody.ambiguous
            else _("Nobody has this subject id, external id or email address.")
        )
        return Chosen(query, asked, problem=problem)


@blueprint.get("/<uuid:campaign_id>/preview/<locale>")
@allow(needs(READ))
def preview(campaign_id: uuid.UUID, locale: str) -> Response:
    """The email's HTML (or, `?part=text`, its text) as a sample recipient speaking `locale`
    gets it, or (`?as=`) the chosen person, as a sandboxed document of its own."""
    if locale not in LOCALES:
        abort(404)
    view = campaign_or_404(campaign_id)
    part = "text" if request.args.get("part") == "text" else "html"
    try:
        person = chosen(campaign_id, part, locale)
    except NotAllowed:
        return forbidden()
    if person is not None and person.subject is None:
        return _document(person.problem or "", "text/plain", 422)
    values = person_values(person.subject) if person and person.subject else sample_values()
    shown = preview_of(view, locale, values)
    if shown.problem is not None:
        reason = _("This email cannot be rendered: %(reason)s", reason=shown.problem)
        return _document(reason, "text/plain")
    if part == "text":
        return _document(shown.text, "text/plain")
    return _document(shown.html, "text/html")


def _document(body: str, mimetype: str, status: int = 200) -> Response:
    response = Response(body, status, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    return response
