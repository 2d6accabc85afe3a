"""The previews of a campaign's email per language.

A preview is a document of its own at `/console/campaigns/<id>/preview/<locale>`, framed by
the campaign's page in `<iframe sandbox>`: an email's inline styles need a policy the console's
pages do not give, so the preview answers with its own (`sandbox`, no script, inline styles
and https images only, framed only by the console), decision 0029. It is the campaign's
template rendered by the code and budgets a run uses (plumbing/templates), for a sample
recipient; `?part=text` answers the text part as plain text.
"""

import uuid

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import gettext as _

from consent_service.console.access import allow, guard, needs
from consent_service.console.pages import forbidden
from consent_service.domain.campaigns import CampaignNotFound
from consent_service.domain.locales import LOCALES
from consent_service.faces import csrf
from consent_service.faces.transactions import read_only
from consent_service.services import campaigns
from consent_service.services.campaigns import CampaignView, Preview

blueprint = Blueprint("console_campaign_previews", __name__, url_prefix="/console/campaigns")
csrf.protect(blueprint)
guard(blueprint, forbidden)

READ = "campaigns:read"
PREVIEW_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
"""What a preview may do: show its styles and images, nothing else (no script: `sandbox`
without allow-scripts)."""


def _campaign(campaign_id: uuid.UUID) -> CampaignView:
    with read_only() as registry:
        try:
            return campaigns.get_campaign(registry.campaigns, campaign_id)
        except CampaignNotFound:
            abort(404)


def sample_values() -> dict[str, str]:
    """A sample recipient: a name as long as real ones, links to the registry's own pages."""
    base = current_app.extensions["consent.settings"].public_base_url
    return {
        "name": _("Aigul Osmonova"),
        "unsubscribe_url": f"{base}/u/preview",
        "preferences_url": f"{base}/preferences/preview",
    }


def preview_of(view: CampaignView, locale: str) -> Preview:
    return campaigns.preview(view.campaign, locale, sample_values())


@blueprint.get("/<uuid:campaign_id>/preview/<locale>")
@allow(needs(READ))
def preview(campaign_id: uuid.UUID, locale: str) -> Response:
    """The email's HTML (or, `?part=text`, its text) as a sample recipient speaking `locale`
    gets it, as a sandboxed document of its own."""
    if locale not in LOCALES:
        abort(404)
    shown = preview_of(_campaign(campaign_id), locale)
    if shown.problem is not None:
        body, mimetype = (
            _("This email cannot be rendered: %(reason)s", reason=shown.problem),
            "text/plain",
        )
    elif request.args.get("part") == "text":
        body, mimetype = shown.text, "text/plain"
    else:
        body, mimetype = shown.html, "text/html"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    return response
