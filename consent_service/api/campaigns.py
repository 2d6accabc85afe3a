"""Campaigns: create, read, edit, pause, resume, cancel, start a run now, retry a run's
failures, and send a test.

Whatever makes mail go out needs `campaigns:send` besides `campaigns:write`: starting,
resuming and retrying runs, and a schedule given on create or edit (which without it leaves a
`draft`). Stopping mail (pause, cancel) needs only `campaigns:write` (decision 0030).
"""

import uuid
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from consent_service.adapters.campaign_store import CampaignStore
from consent_service.adapters.repository import SqlRepository
from consent_service.api.http import client, require
from consent_service.domain.breakdowns import counts_breakdown
from consent_service.domain.campaigns import (
    Action,
    CampaignNotFound,
    CampaignStatus,
    InvalidCampaign,
    RunNotFound,
)
from consent_service.faces.bodies import json_body
from consent_service.faces.clock import now
from consent_service.faces.problems import Problem, invalid_body
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.openapi.operations import documented, problem, query_parameter, returns
from consent_service.services import campaign_edits, campaign_retries, campaign_tests, campaigns
from consent_service.services.campaign_edits import DEFAULT_LAYOUT, CampaignChanges
from consent_service.services.campaigns import CampaignView, NewCampaign
from schemas.api.campaigns import (
    CampaignCreatedSchema,
    CampaignCreateSchema,
    CampaignSchema,
    CampaignsSchema,
    CampaignTestSchema,
    CampaignUpdateSchema,
    QueuedTestSchema,
    RunStartedSchema,
)

blueprint = Blueprint("campaigns", __name__)
_create = CampaignCreateSchema()
_update = CampaignUpdateSchema()
_test = CampaignTestSchema()
_campaign = CampaignSchema()
_created = CampaignCreatedSchema()
SEND = "campaigns:send"


@blueprint.errorhandler(CampaignNotFound)
def _not_found(error: CampaignNotFound) -> Response:
    return Problem(404, "Campaign not found", error.message, slug="campaign-not-found").response()


@blueprint.errorhandler(RunNotFound)
def _run_not_found(error: RunNotFound) -> Response:
    return Problem(404, "Run not found", error.message, slug="run-not-found").response()


@blueprint.errorhandler(campaign_tests.TooManyTests)
def _too_many_tests(error: campaign_tests.TooManyTests) -> Response:
    return Problem(
        429,
        "Too many test sends",
        error.message,
        slug="too-many-tests",
        headers={"Retry-After": str(error.retry_after)},
    ).response()


@blueprint.errorhandler(InvalidCampaign)
def _invalid(error: InvalidCampaign) -> Response:
    return invalid_body(error.errors, error.message).response()


def _campaign_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise CampaignNotFound(f"No campaign {raw!r}.") from None


def _run_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise RunNotFound(f"No run {raw!r}.") from None


def _with_warnings(view: CampaignView) -> dict[str, Any]:
    return _created.dump({**_fields(view), "warnings": [asdict(w) for w in view.warnings]})


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
                "retry_of": run.retry_of,
                "scheduled_for": run.scheduled_for,
                "started_at": run.state.started_at,
                "finished_at": run.state.finished_at,
                "counts": run.state.counts,
                "by_locale": None
                if run.state.by_locale is None
                else counts_breakdown(run.state.by_locale),
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

    With `campaigns:send` and a schedule the campaign is `scheduled`; otherwise it is a
    `draft` (keeping the schedule given) until a key holding `campaigns:send` gives it one
    with `PATCH`. Every template is rendered once with sample values: one that fails, takes
    longer than 2 s, needs more than 512 MB or comes out over 1,000,000 bytes is refused
    (422, under `errors.content.<locale>.<part>`). The answer's `warnings` name each locale that
    recipients of the purpose use and the content has no version in: those recipients will
    get the `DEFAULT_LOCALE` version.
    """
    body = json_body(_create)
    new = NewCampaign(
        **{f: body[f] for f in ("name", "purpose", "content", "layout")},
        schedule=body.get("schedule"),
    )
    default_locale = current_app.extensions["consent.settings"].default_locale
    may_send = client().may(SEND)

    def work(registry: SqlRepository) -> dict[str, Any]:
        view = campaigns.create_campaign(
            _store(registry), new, may_send=may_send, default_locale=default_locale, now=now()
        )
        return _with_warnings(view)

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


LIFECYCLE_ANSWERS = (
    returns(200, CampaignSchema, "The campaign in its new status"),
    NOT_FOUND,
    problem(409, "The campaign's status does not allow this move."),
)


@blueprint.post("/v1/campaigns/<campaign_id>/<any(pause, cancel):action>")
@require("campaigns:write")
@documented(*LIFECYCLE_ANSWERS)
def stop(campaign_id: str, action: str) -> Response:
    """Pause or cancel: whoever may edit may stop mail. A move the status does not allow is
    409; cancelling a draft is allowed."""
    return _lifecycle(campaign_id, Action(action))


@blueprint.post("/v1/campaigns/<campaign_id>/resume")
@require(SEND)
@documented(*LIFECYCLE_ANSWERS)
def resume(campaign_id: str) -> Response:
    """Resume a paused campaign (`campaigns:send`); anything but a paused campaign is 409."""
    return _lifecycle(campaign_id, Action.RESUME)


def _lifecycle(campaign_id: str, action: Action) -> Response:
    wanted = _campaign_id(campaign_id)

    def work(registry: SqlRepository) -> dict[str, Any]:
        return campaign_body(campaigns.change_lifecycle(_store(registry), wanted, action, now()))

    return jsonify(in_transaction(work))


@blueprint.patch("/v1/campaigns/<campaign_id>")
@require("campaigns:write")
@documented(
    returns(200, CampaignCreatedSchema, "The campaign as edited, with its locale `warnings`"),
    NOT_FOUND,
    problem(
        409,
        "A run of the campaign is in progress, the campaign is cancelled or completed, or "
        "another edit overtook this one.",
    ),
    problem(
        422,
        "The purpose, content or schedule is refused (`errors.content.<locale>.<part>` for a "
        "template).",
    ),
    body=CampaignUpdateSchema,
)
def update(campaign_id: str) -> Response:
    """Edit a campaign's name, purpose, content per locale or schedule; the rest stays.

    Validated as a creation is. An edit by a key without `campaigns:send` makes the
    campaign a `draft`, which does not run; with `campaigns:send`, a `schedule` schedules a
    draft or replaces the schedule, and a paused campaign stays paused. Refused (409) while a
    run is planned or running, and once the campaign is cancelled or completed.
    """
    wanted = _campaign_id(campaign_id)
    body = json_body(_update)
    if "layout" in body and body["layout"] is None:
        body["layout"] = DEFAULT_LAYOUT
    changes = CampaignChanges(**body)
    may_send = client().may(SEND)

    def work(registry: SqlRepository) -> dict[str, Any]:
        view = campaign_edits.update_campaign(
            _store(registry), wanted, changes, may_send=may_send, now=now()
        )
        return _with_warnings(view)

    return jsonify(in_transaction(work))


@blueprint.post("/v1/campaigns/<campaign_id>/test")
@require("campaigns:write")
@documented(
    returns(202, QueuedTestSchema, "The mailer sends the test emails"),
    NOT_FOUND,
    problem(
        422,
        "An address is neither an active console user's nor in CONSOLE_TEST_RECIPIENTS "
        "(`errors.to.<index>`), or the campaign has no version in `locale`; nothing is sent.",
    ),
    problem(
        429,
        f"This key sent {campaign_tests.TESTS_PER_HOUR} tests of the campaign within the last "
        "hour.",
        headers={"Retry-After": "Seconds until another test send is accepted"},
    ),
    body=CampaignTestSchema,
)
def send_test(campaign_id: str) -> tuple[Response, int]:
    """Send the campaign's email to a few members of staff, its subject marked `[TEST] `.

    Only addresses of active console users and of CONSOLE_TEST_RECIPIENTS are accepted; no
    consent is checked and no count, statistic or send ledger is touched. At most
    10 test sends of a campaign per key per hour.
    """
    wanted = _campaign_id(campaign_id)
    body = json_body(_test)
    settings = current_app.extensions["consent.settings"]
    actor = client().key_id

    def work(registry: SqlRepository) -> dict[str, Any]:
        store = _store(registry)
        sent = campaign_tests.send_test(
            store,
            store,
            wanted,
            body["to"],
            actor=actor,
            allowed=settings.console.test_recipients,
            locale=body.get("locale"),
            now=now(),
        )
        return {
            "campaign_id": str(sent.campaign_id),
            "to": list(sent.recipients),
            "locale": sent.locale,
        }

    return jsonify(in_transaction(work)), 202


@blueprint.post("/v1/campaigns/<campaign_id>/runs/<run_id>/retry")
@require(SEND)
@documented(
    returns(
        202,
        RunStartedSchema,
        "The retry run is planned; the mailer sends it",
        headers={"Location": "The campaign, whose `runs` show the retry run's progress"},
    ),
    problem(404, "No such campaign, or no such run of it."),
    problem(
        409,
        "The run has not ended, none of its emails failed, it was retried already, or the "
        "campaign is a draft, paused or cancelled.",
    ),
)
def retry(campaign_id: str, run_id: str) -> tuple[Response, int]:
    """Send the campaign again to the run's `failed` recipients who are still granted.

    Never to its `unknown` ones (the email service may have taken those: at most once
    wins), and never twice to anyone: a run is retried once, in a new run (trigger `retry`,
    `retry_of` the run) whose own failures may be retried in turn.
    """
    wanted, run = _campaign_id(campaign_id), _run_id(run_id)
    retry_id = in_transaction(
        lambda registry: campaign_retries.retry_failed(_store(registry), wanted, run, now())
    )
    response = jsonify({"run_id": str(retry_id)})
    response.headers["Location"] = f"/v1/campaigns/{wanted}"
    return response, 202


@blueprint.post("/v1/campaigns/<campaign_id>/runs")
@require(SEND)
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
