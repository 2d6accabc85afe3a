"""Campaigns: create, read, pause, resume, cancel, and start a run now."""

import uuid
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from consent_service.adapters.campaign_store import CampaignStore
from consent_service.adapters.repository import SqlRepository
from consent_service.api.http import require
from consent_service.domain.campaigns import (
    Action,
    CampaignNotFound,
    CampaignStatus,
    InvalidCampaign,
)
from consent_service.faces.bodies import json_body
from consent_service.faces.clock import now
from consent_service.faces.problems import Problem, invalid_body
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.openapi.operations import documented, problem, query_parameter, returns
from consent_service.services import campaigns
from consent_service.services.campaigns import CampaignView, NewCampaign
from schemas.api.campaigns import (
    CampaignCreatedSchema,
    CampaignCreateSchema,
    CampaignSchema,
    CampaignsSchema,
    RunStartedSchema,
)

blueprint = Blueprint("campaigns", __name__)
_create = CampaignCreateSchema()
_campaign = CampaignSchema()
_created = CampaignCreatedSchema()


@blueprint.errorhandler(CampaignNotFound)
def _not_found(error: CampaignNotFound) -> Response:
    return Problem(404, "Campaign not found", error.message, slug="campaign-not-found").response()


@blueprint.errorhandler(InvalidCampaign)
def _invalid(error: InvalidCampaign) -> Response:
    return invalid_body(error.errors, error.message).response()


def _campaign_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise CampaignNotFound(f"No campaign {raw!r}.") from None


def campaign_body(view: CampaignView) -> dict[str, Any]:
    return _campaign.dump(_fields(view))


def _fields(view: CampaignView) -> dict[str, Any]:
    campaign = view.campaign
    return {
        "id": campaign.id,
        "name": campaign.name,
        "purpose": campaign.purpose,
        "status": campaign.status,
        "next_run_at": campaign.next_run_at,
        "schedule": campaign.schedule,
        "layout": campaign.layout_id,
        "created_at": campaign.created_at,
        "runs": [
            {
                "id": run.id,
                "status": run.state.status.value,
                "trigger": run.trigger,
                "scheduled_for": run.scheduled_for,
                "started_at": run.state.started_at,
                "finished_at": run.state.finished_at,
                "counts": run.state.counts,
                "reason": run.state.reason,
            }
            for run in view.runs
        ],
    }


def _store(registry: SqlRepository) -> CampaignStore:
    return registry.campaigns


NOT_FOUND = problem(404, "No such campaign.")


@blueprint.post("/v1/campaigns")
@require("campaigns:write")
@documented(
    returns(
        201,
        CampaignCreatedSchema,
        "The campaign, with `warnings` for locales its recipients use and it lacks",
        headers={"Location": "The campaign's address"},
    ),
    problem(
        422,
        "The purpose, content, schedule or layout is refused "
        "(`errors.content.<locale>.<part>` for a template).",
    ),
    body=CampaignCreateSchema,
)
def create() -> tuple[Response, int]:
    """Create a campaign: its purpose, content per locale and schedule.

    Every template is rendered once with sample values: one that fails, takes longer than
    2 s, needs more than 512 MB or comes out over 1,000,000 bytes is refused (422, under
    `errors.content.<locale>.<part>`). The answer's `warnings` name each locale that
    recipients of the purpose use and the content has no version in: those recipients will
    get the `DEFAULT_LOCALE` version.
    """
    body = json_body(_create)
    new = NewCampaign(**{f: body[f] for f in ("name", "purpose", "content", "schedule", "layout")})
    default_locale = current_app.extensions["consent.settings"].default_locale

    def work(registry: SqlRepository) -> dict[str, Any]:
        view = campaigns.create_campaign(
            _store(registry), new, default_locale=default_locale, now=now()
        )
        return _created.dump({**_fields(view), "warnings": [asdict(w) for w in view.warnings]})

    answer = in_transaction(work)
    response = jsonify(answer)
    response.headers["Location"] = f"/v1/campaigns/{answer['id']}"
    return response, 201


@blueprint.get("/v1/campaigns")
@require("campaigns:read")
@documented(
    returns(200, CampaignsSchema, "The campaigns, newest first"),
    problem(400, "`status` is not a campaign status."),
    parameters=(
        query_parameter(
            "status",
            "Only the campaigns in this status",
            enum=[status.value for status in CampaignStatus],
        ),
    ),
)
def list_all() -> Response:
    """Every campaign, newest first; `?status=` keeps the campaigns in that status."""
    raw = request.args.get("status")
    status = None
    if raw is not None:
        try:
            status = CampaignStatus(raw)
        except ValueError:
            known = ", ".join(s.value for s in CampaignStatus)
            raise Problem(
                400, "Bad status filter", f"status is one of {known}.", slug="bad-query"
            ) from None
    with read_only() as registry:
        views = campaigns.list_campaigns(_store(registry), status)
        return jsonify({"campaigns": [campaign_body(view) for view in views]})


@blueprint.get("/v1/campaigns/<campaign_id>")
@require("campaigns:read")
@documented(returns(200, CampaignSchema, "The campaign"), NOT_FOUND)
def get_one(campaign_id: str) -> Response:
    """A campaign with its runs and their counts."""
    wanted = _campaign_id(campaign_id)
    with read_only() as registry:
        return jsonify(campaign_body(campaigns.get_campaign(_store(registry), wanted)))


@blueprint.post("/v1/campaigns/<campaign_id>/<any(pause, resume, cancel):action>")
@require("campaigns:write")
@documented(
    returns(200, CampaignSchema, "The campaign in its new status"),
    NOT_FOUND,
    problem(409, "The campaign's status does not allow this move."),
)
def change(campaign_id: str, action: str) -> Response:
    """Pause, resume or cancel; a move the campaign's status does not allow is 409."""
    wanted = _campaign_id(campaign_id)

    def work(registry: SqlRepository) -> dict[str, Any]:
        view = campaigns.change_lifecycle(_store(registry), wanted, Action(action), now())
        return campaign_body(view)

    return jsonify(in_transaction(work))


@blueprint.post("/v1/campaigns/<campaign_id>/runs")
@require("campaigns:write")
@documented(
    returns(
        202,
        RunStartedSchema,
        "The run is planned; the mailer sends it",
        headers={"Location": "The campaign, whose `runs` show the run's progress"},
    ),
    NOT_FOUND,
    problem(409, "The campaign is not scheduled."),
)
def start_run(campaign_id: str) -> tuple[Response, int]:
    """Start a run now (202: the mailer sends it); 409 unless the campaign is scheduled."""
    wanted = _campaign_id(campaign_id)
    run_id = in_transaction(lambda registry: campaigns.start_run(_store(registry), wanted, now()))
    response = jsonify({"run_id": str(run_id)})
    response.headers["Location"] = f"/v1/campaigns/{wanted}"
    return response, 202
