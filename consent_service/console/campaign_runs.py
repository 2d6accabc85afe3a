"""A campaign's run page with its live counts.

The registry knows of a run what the mailer reports: its status and its counts per outcome,
for the run as a whole (decision 0031) and per language its emails are written in, where a
count below 5 is shown as "< 5" (decision 0035). Both refresh while the run goes.
"""

import uuid
from typing import Any

from flask import Blueprint, Response, abort
from flask_babel import gettext as _

from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.campaign_words import count_words, locale_columns, run_progress
from consent_service.console.campaigns import may_retry
from consent_service.console.desk import campaign_or_404
from consent_service.console.pages import forbidden, fragment, render
from consent_service.domain.campaigns import CampaignStatus
from consent_service.faces import csrf
from consent_service.faces.transactions import read_only
from consent_service.services.campaigns import CampaignView

blueprint = Blueprint("console_campaign_runs", __name__, url_prefix="/console/campaigns")
csrf.protect(blueprint)
guard(blueprint, forbidden)

READ = "campaigns:read"
REFRESH_SECONDS = 3


def _run_context(view: CampaignView, run_id: uuid.UUID) -> dict[str, Any]:
    found = next((run for run in view.runs if run.id == run_id), None)
    if found is None:
        abort(404)
    return {
        "view": view,
        "progress": run_progress(found),
        "count_words": count_words(),
        "locales": locale_columns(found),
    }


@blueprint.get("/<uuid:campaign_id>/runs/<uuid:run_id>")
@allow(needs(READ))
def run(campaign_id: uuid.UUID, run_id: uuid.UUID) -> Response:
    """A run's status and counts; they refresh themselves while the run is going."""
    view = campaign_or_404(campaign_id)
    context = _run_context(view, run_id)
    with read_only() as registry:
        retried = registry.campaigns.retried(run_id)
    status = CampaignStatus(view.campaign.status)
    return render(
        "console/campaign_run.html",
        title=_("Run of %(name)s", name=view.campaign.name),
        refresh=REFRESH_SECONDS,
        may_retry=may_retry(signed_in(), status, context["progress"].run, retried),
        **context,
    )


@blueprint.get("/<uuid:campaign_id>/runs/<uuid:run_id>/part")
@allow(needs(READ))
def run_part(campaign_id: uuid.UUID, run_id: uuid.UUID) -> Response:
    """The run's counts, for the run page's live refresh."""
    return fragment(
        "console/_run_counts.html", **_run_context(campaign_or_404(campaign_id), run_id)
    )
