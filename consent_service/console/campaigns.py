"""`/console/campaigns`: the marketing desk. Every campaign, a form to create one, and its page
with the schedule in words, the previews per language, its runs and what may be done to it.

The views call the campaign services (services/campaigns.py) as the API does, and nothing else
decides: the status a button needs is asked of the domain's own rules (`transition`,
`check_can_run`), so a button is shown exactly when the service would do what it says, and a
forged form is refused by the service anyway. Every action is a POST form answered with a
redirect to the campaign's page (post/redirect/get). Starting and resuming runs needs
`campaigns:send`, which marketing does not hold (SPEC section 9): the buttons are not shown to
them and the POST is refused with the 403 page.

An action is declared once in ACTIONS (its URL name, the scope it needs, its label, when it
applies); the page draws a form for each, so a new action (test send, retry failed) is a route
and one entry there. The form to create and edit a campaign is campaign_editing.py's, the
test send's form test_sends.py's, the run page campaign_runs.py's and the previews
campaign_previews.py's.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.campaign_store import CampaignStore
from consent_service.adapters.repository import SqlRepository
from consent_service.console import campaign_previews
from consent_service.console.access import Visit, allow, guard, needs, signed_in
from consent_service.console.campaign_words import (
    PURPOSES,
    run_progress,
    schedule_of,
    status_words,
)
from consent_service.console.desk import audit_change
from consent_service.console.pages import forbidden, fragment, render
from consent_service.domain import campaigns as rules
from consent_service.domain.campaigns import (
    Action,
    CampaignConflict,
    CampaignNotFound,
    CampaignStatus,
    RunNotFound,
)
from consent_service.domain.locales import LOCALES
from consent_service.domain.staff.accounts import AuditAction
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import campaign_retries, campaigns
from consent_service.services.campaigns import CampaignView
from consent_service.services.ports.campaigns import RunRow

blueprint = Blueprint("console_campaigns", __name__, url_prefix="/console/campaigns")
csrf.protect(blueprint)
guard(blueprint, forbidden)

READ, WRITE, SEND = "campaigns:read", "campaigns:write", "campaigns:send"
REFRESH_SECONDS = 5


@dataclass(frozen=True)
class CampaignAction:
    """A button on a campaign's page: a POST form to `endpoint`, shown to whoever holds `scope`
    when `applies(status)`."""

    endpoint: str
    scope: str
    label: Callable[[], str]
    applies: Callable[[CampaignStatus], bool]
    danger: bool = False


def _may(action: Action) -> Callable[[CampaignStatus], bool]:
    def applies(status: CampaignStatus) -> bool:
        try:
            rules.transition(status, action)
        except CampaignConflict:
            return False
        return True

    return applies


def _may_run(status: CampaignStatus) -> bool:
    try:
        rules.check_can_run(status)
    except CampaignConflict:
        return False
    return True


ACTIONS = (
    CampaignAction("console_campaigns.run_now", SEND, lambda: _("Run now"), _may_run),
    CampaignAction("console_campaigns.pause", WRITE, lambda: _("Pause"), _may(Action.PAUSE)),
    CampaignAction("console_campaigns.resume", SEND, lambda: _("Resume"), _may(Action.RESUME)),
    CampaignAction(
        "console_campaigns.cancel", WRITE, lambda: _("Cancel"), _may(Action.CANCEL), danger=True
    ),
)


def actions_for(visit: Visit, status: CampaignStatus) -> list[CampaignAction]:
    return [a for a in ACTIONS if visit.may(a.scope) and a.applies(status)]


def may_edit(visit: Visit, status: CampaignStatus, unfinished_runs: int) -> bool:
    """Whether the edit link is shown: the person may write and the service would edit."""
    try:
        rules.check_can_edit(status, unfinished_runs)
    except CampaignConflict:
        return False
    return visit.may(WRITE)


def may_retry(visit: Visit, status: CampaignStatus, run: RunRow, retried: bool) -> bool:
    """Whether the run page shows "Retry the failed emails": the service's own rule."""
    try:
        rules.check_can_retry(status, run.state, retried)
    except CampaignConflict:
        return False
    return visit.may(SEND)


DONE = {
    "created": lambda: _("The campaign was created."),
    "run_now": lambda: _("A run was started; the mailer is sending it."),
    "pause": lambda: _("The campaign is paused: no run starts until it is resumed."),
    "resume": lambda: _("The campaign was resumed."),
    "cancel": lambda: _("The campaign was cancelled, and its runs that had not ended with it."),
    "edited": lambda: _("The changes were saved."),
    "test": lambda: _("The test email was queued; the mailer sends it in a moment."),
    "retry": lambda: _("A run was started for the emails that failed."),
}


def store_of(registry: SqlRepository) -> CampaignStore:
    return registry.campaigns


def _views() -> list[CampaignView]:
    with read_only() as registry:
        return campaigns.list_campaigns(store_of(registry), None)


def _rows(views: list[CampaignView]) -> list[dict[str, Any]]:
    return [
        {
            "view": view,
            "status": status_words(view.campaign.status),
            "last_run": run_progress(view.runs[0]) if view.runs else None,
        }
        for view in views
    ]


def _live(rows: list[dict[str, Any]]) -> bool:
    return any(row["last_run"] and not row["last_run"].ended for row in rows)


@blueprint.get("")
@allow(needs(READ))
def campaign_list() -> Response:
    """Every campaign, newest first, with its status, next run and last run's counts."""
    rows = _rows(_views())
    return render(
        "console/campaigns.html",
        title=_("Campaigns"),
        rows=rows,
        live=_live(rows),
        refresh=REFRESH_SECONDS,
        purposes=PURPOSES,
        may_create=signed_in().may(WRITE),
    )


@blueprint.get("/parts/list")
@allow(needs(READ))
def campaign_list_part() -> Response:
    """The campaigns' table, for the list's live refresh while a run is going."""
    rows = _rows(_views())
    return fragment("console/_campaign_rows.html", rows=rows, purposes=PURPOSES)


@dataclass
class TestForm:
    """The test send's form as typed, and its refusals per field (`extra`, `locale`, `form`)."""

    to_me: bool = True
    extra: str = ""
    locale: str = ""
    errors: dict[str, list[str]] | None = None


@blueprint.get("/<uuid:campaign_id>")
@allow(needs(READ))
def campaign(campaign_id: uuid.UUID) -> Response:
    """A campaign: its schedule in words with the next dates, a preview per language, the
    languages its recipients lack, its runs and the actions the person may take."""
    return campaign_page(campaign_id)


def campaign_page(
    campaign_id: uuid.UUID, status: int = 200, test: TestForm | None = None
) -> Response:
    visit = signed_in()
    try:
        person = campaign_previews.chosen(campaign_id, "page", request.args.get("locale", ""))
    except campaign_previews.NotAllowed:
        return forbidden()
    if person is not None and person.problem is not None:
        status = 422
    with read_only() as registry:
        try:
            view = campaigns.get_campaign(store_of(registry), campaign_id)
        except CampaignNotFound:
            abort(404)
        warnings = campaigns.current_warnings(store_of(registry), view.campaign)
        layout = view.campaign.layout_id and store_of(registry).layout(view.campaign.layout_id)
        unfinished = store_of(registry).unfinished_runs(campaign_id)
    found = view.campaign
    done = DONE.get(request.args.get("done", ""))
    problem = CONFLICTS.get(request.args.get("refused", ""))
    return render(
        "console/campaign.html",
        status,
        title=found.name,
        may_edit=may_edit(visit, CampaignStatus(found.status), unfinished),
        may_test=visit.may(WRITE) and bool(found.content),
        test=test or TestForm(locale=found.default_locale),
        my_address=visit.account.email,
        view=view,
        status_text=status_words(found.status),
        purposes=PURPOSES,
        schedule=schedule_of(found, clock.now()),
        warnings=warnings,
        layout=layout or None,
        runs=[run_progress(run) for run in view.runs],
        actions=actions_for(visit, CampaignStatus(found.status)),
        locales=[locale for locale in LOCALES if locale in found.content],
        done=done() if done else None,
        problem=problem() if problem else None,
        may_choose=visit.may(campaign_previews.PEOPLE),
        chosen=person,
        all_locales=LOCALES,
    )


CONFLICTS = {
    "status": lambda: _("The campaign's status does not allow that any more; nothing changed."),
    "retry": lambda: _(
        "This run cannot be retried: it has not ended, none of its emails failed, it was "
        "retried already, or the campaign is a draft, paused or cancelled."
    ),
}


def _act(
    campaign_id: uuid.UUID,
    done: str,
    action: AuditAction,
    work: Callable[[CampaignStore], object],
) -> Any:
    def change(registry: SqlRepository) -> None:
        result = work(store_of(registry))
        details = {"run_id": str(result)} if isinstance(result, uuid.UUID) else {}
        audit_change(registry, action, campaign_id, **details)

    try:
        in_transaction(change)
    except CampaignNotFound:
        abort(404)
    except CampaignConflict:
        target = url_for("console_campaigns.campaign", campaign_id=campaign_id, refused="status")
        return redirect(target, 303)
    return redirect(url_for("console_campaigns.campaign", campaign_id=campaign_id, done=done), 303)


@blueprint.post("/<uuid:campaign_id>/run")
@allow(needs(SEND))
def run_now(campaign_id: uuid.UUID) -> WerkzeugResponse:
    """Start a run now (the mailer sends it); only a scheduled campaign may."""
    return _act(
        campaign_id,
        "run_now",
        AuditAction.CAMPAIGN_RUN_STARTED,
        lambda store: campaigns.start_run(store, campaign_id, clock.now()),
    )


AUDITED = {
    Action.PAUSE: AuditAction.CAMPAIGN_PAUSED,
    Action.RESUME: AuditAction.CAMPAIGN_RESUMED,
    Action.CANCEL: AuditAction.CAMPAIGN_CANCELLED,
}


def _lifecycle(campaign_id: uuid.UUID, action: Action) -> WerkzeugResponse:
    return _act(
        campaign_id,
        action.value,
        AUDITED[action],
        lambda store: campaigns.change_lifecycle(store, campaign_id, action, clock.now()),
    )


@blueprint.post("/<uuid:campaign_id>/pause")
@allow(needs(WRITE))
def pause(campaign_id: uuid.UUID) -> WerkzeugResponse:
    """Pause: anyone who may edit may stop mail."""
    return _lifecycle(campaign_id, Action.PAUSE)


@blueprint.post("/<uuid:campaign_id>/resume")
@allow(needs(SEND))
def resume(campaign_id: uuid.UUID) -> WerkzeugResponse:
    """Resume: sends mail again, so it needs `campaigns:send`."""
    return _lifecycle(campaign_id, Action.RESUME)


@blueprint.post("/<uuid:campaign_id>/cancel")
@allow(needs(WRITE))
def cancel(campaign_id: uuid.UUID) -> WerkzeugResponse:
    """Cancel the campaign and its runs that have not ended."""
    return _lifecycle(campaign_id, Action.CANCEL)


@blueprint.post("/<uuid:campaign_id>/runs/<uuid:run_id>/retry")
@allow(needs(SEND))
def retry(campaign_id: uuid.UUID, run_id: uuid.UUID) -> WerkzeugResponse:
    """Send the campaign again, in a run of its own, to the run's failed recipients who are
    still granted (never to its `unknown` ones: decision 0030)."""

    def work(registry: SqlRepository) -> uuid.UUID:
        retry_id = campaign_retries.retry_failed(
            store_of(registry), campaign_id, run_id, clock.now()
        )
        audit_change(
            registry,
            AuditAction.CAMPAIGN_RETRIED,
            campaign_id,
            run_id=str(run_id),
            retry_run_id=str(retry_id),
        )
        return retry_id

    try:
        in_transaction(work)
    except (CampaignNotFound, RunNotFound):
        abort(404)
    except CampaignConflict:
        return back_to_campaign(campaign_id, refused="retry")
    return back_to_campaign(campaign_id, done="retry")


def back_to_campaign(campaign_id: uuid.UUID, **outcome: str) -> WerkzeugResponse:
    """To the campaign's page, saying what was done or refused (post/redirect/get)."""
    values: dict[str, Any] = {"campaign_id": campaign_id, **outcome}
    return redirect(url_for("console_campaigns.campaign", **values), 303)
