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
and one entry there. The run page and the previews are campaign_runs.py's.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.campaign_store import CampaignStore
from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import campaign_form, sessions
from consent_service.console.access import Visit, allow, guard, needs, signed_in
from consent_service.console.campaign_words import (
    PURPOSES,
    campaign_purposes,
    run_progress,
    schedule_of,
    status_words,
)
from consent_service.console.pages import forbidden, fragment, render
from consent_service.domain import campaigns as rules
from consent_service.domain.campaigns import (
    Action,
    CampaignConflict,
    CampaignNotFound,
    CampaignStatus,
    InvalidCampaign,
    RunNotFound,
)
from consent_service.domain.errors import Conflict
from consent_service.domain.layouts import Layout
from consent_service.domain.locales import LOCALES
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import campaign_edits, campaign_retries, campaign_tests, campaigns
from consent_service.services import layouts as layout_service
from consent_service.services.campaign_edits import DEFAULT_LAYOUT, CampaignChanges
from consent_service.services.campaigns import CampaignView, NewCampaign
from consent_service.services.ports.campaigns import RunRow
from plumbing.templates.campaigns import PARTS

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


def _store(registry: SqlRepository) -> CampaignStore:
    return registry.campaigns


def _audit(
    registry: SqlRepository, action: AuditAction, campaign_id: uuid.UUID, **details: Any
) -> None:
    """The console audit log's line for a change to a campaign, in the change's transaction."""
    entry = AuditEntry(
        clock.now(),
        signed_in().account.id,
        action,
        f"campaign:{campaign_id}",
        sessions.client_address(),
        details,
    )
    SqlStaffStore(registry).record(entry)


def _views() -> list[CampaignView]:
    with read_only() as registry:
        return campaigns.list_campaigns(_store(registry), None)


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


def _layouts() -> list[Layout]:
    with read_only() as registry:
        return layout_service.list_layouts(registry.layouts)


def _form_page(
    form: campaign_form.CampaignForm, status: int = 200, editing: CampaignView | None = None
) -> Response:
    """The campaign form: empty to create one, or `editing` a campaign, filled with it."""
    return render(
        "console/campaign_new.html",
        status,
        title=_("Edit %(name)s", name=editing.campaign.name) if editing else _("New campaign"),
        editing=editing.campaign if editing else None,
        may_send=signed_in().may(SEND),
        form=form,
        errors=campaign_form.errors_by_field(form),
        purposes=campaign_purposes(),
        layouts=_layouts(),
        locales=LOCALES,
        parts=PARTS,
        content_field=campaign_form.content_field,
        frequencies=campaign_form.FREQUENCIES,
    )


@blueprint.get("/new")
@allow(needs(WRITE))
def new_campaign() -> Response:
    """The form to create a campaign."""
    return _form_page(campaign_form.empty_form())


@blueprint.post("/new")
@allow(needs(WRITE))
def create_campaign() -> Response | WerkzeugResponse:
    """Create the campaign the form describes, or show the form again with what is wrong next
    to each field; the campaign's page then warns of languages its recipients lack."""
    form = campaign_form.read_form(request.form)
    body = campaign_form.body(form)
    if body is None:
        return _form_page(form, 422)
    new = NewCampaign(**body)
    default_locale = current_app.extensions["consent.settings"].default_locale
    may_send = signed_in().may(SEND)

    def work(registry: SqlRepository) -> CampaignView:
        view = campaigns.create_campaign(
            _store(registry), new, may_send=may_send, default_locale=default_locale, now=clock.now()
        )
        found = view.campaign
        _audit(registry, AuditAction.CAMPAIGN_CREATED, found.id, name=found.name)
        return view

    try:
        view = in_transaction(work)
    except InvalidCampaign as invalid:
        form.errors.update(campaign_form.service_errors(invalid.errors))
        return _form_page(form, 422)
    target = url_for("console_campaigns.campaign", campaign_id=view.campaign.id, done="created")
    return redirect(target, 303)


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
    return _campaign_page(campaign_id)


def _campaign_page(
    campaign_id: uuid.UUID, status: int = 200, test: TestForm | None = None
) -> Response:
    visit = signed_in()
    with read_only() as registry:
        try:
            view = campaigns.get_campaign(_store(registry), campaign_id)
        except CampaignNotFound:
            abort(404)
        warnings = campaigns.current_warnings(_store(registry), view.campaign)
        layout = view.campaign.layout_id and _store(registry).layout(view.campaign.layout_id)
        unfinished = _store(registry).unfinished_runs(campaign_id)
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
        result = work(_store(registry))
        details = {"run_id": str(result)} if isinstance(result, uuid.UUID) else {}
        _audit(registry, action, campaign_id, **details)

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


def _editing(campaign_id: uuid.UUID) -> CampaignView:
    with read_only() as registry:
        try:
            return campaigns.get_campaign(_store(registry), campaign_id)
        except CampaignNotFound:
            abort(404)


@blueprint.get("/<uuid:campaign_id>/edit")
@allow(needs(WRITE))
def edit_campaign(campaign_id: uuid.UUID) -> Response:
    """The campaign form, filled with the campaign as it is."""
    view = _editing(campaign_id)
    found = view.campaign
    form = campaign_form.filled_form(
        found.name, found.purpose, found.layout_id, found.content, found.schedule
    )
    return _form_page(form, editing=view)


@blueprint.post("/<uuid:campaign_id>/edit")
@allow(needs(WRITE))
def save_campaign(campaign_id: uuid.UUID) -> Response | WerkzeugResponse:
    """Save the edit, or show the form again with what is wrong next to each field (422) or
    why the campaign cannot be edited now (409); nothing is written then. An edit by someone
    without `campaigns:send` makes the campaign a draft (decision 0030)."""
    view = _editing(campaign_id)
    form = campaign_form.read_form(request.form)
    body = campaign_form.body(form)
    if body is None:
        return _form_page(form, 422, editing=view)
    changes = CampaignChanges(
        name=body["name"],
        purpose=body["purpose"],
        content=campaign_form.content_changes(body["content"]),
        schedule=body.get("schedule"),
        layout=body.get("layout") or DEFAULT_LAYOUT,
    )
    may_send = signed_in().may(SEND)

    def work(registry: SqlRepository) -> None:
        edited = campaign_edits.update_campaign(
            _store(registry), campaign_id, changes, may_send=may_send, now=clock.now()
        )
        _audit(
            registry,
            AuditAction.CAMPAIGN_EDITED,
            campaign_id,
            status=edited.campaign.status,
        )

    try:
        in_transaction(work)
    except CampaignNotFound:
        abort(404)
    except InvalidCampaign as invalid:
        form.errors.update(campaign_form.service_errors(invalid.errors))
        return _form_page(form, 422, editing=view)
    except Conflict:
        form.errors["form"] = [
            _(
                "The campaign cannot be edited now: a run of it is going, it has ended, or "
                "someone else changed it meanwhile. Nothing was saved; open it again."
            )
        ]
        return _form_page(form, 409, editing=view)
    target = url_for("console_campaigns.campaign", campaign_id=campaign_id, done="edited")
    return redirect(target, 303)


def _addresses(typed: str) -> list[str]:
    return [part.strip() for part in typed.replace(",", "\n").splitlines() if part.strip()]


@blueprint.post("/<uuid:campaign_id>/test")
@allow(needs(WRITE))
def send_test(campaign_id: uuid.UUID) -> Response | WerkzeugResponse:
    """Queue the campaign's test email to the person and the addresses typed; the service
    accepts only staff and CONSOLE_TEST_RECIPIENTS and at most a few tests an hour."""
    visit = signed_in()
    test = TestForm(
        to_me=bool(request.form.get("to_me")),
        extra=request.form.get("extra", "")[:2000],
        locale=request.form.get("locale", "")[:8],
        errors={},
    )
    mine = [visit.account.email] if test.to_me and visit.account.email else []
    extra = _addresses(test.extra)
    if not mine and not extra:
        test.errors = {"extra": [_("Choose yourself or type an address.")]}
        return _campaign_page(campaign_id, 422, test)
    settings = current_app.extensions["consent.settings"]

    def work(registry: SqlRepository) -> None:
        store = _store(registry)
        sent = campaign_tests.send_test(
            store,
            store,
            campaign_id,
            mine + extra,
            actor=f"console:{visit.account.id}",
            allowed=settings.console.test_recipients,
            locale=test.locale or None,
            now=clock.now(),
        )
        _audit(
            registry,
            AuditAction.CAMPAIGN_TEST_SENT,
            campaign_id,
            to=list(sent.recipients),
            locale=sent.locale,
        )

    try:
        in_transaction(work)
    except CampaignNotFound:
        abort(404)
    except InvalidCampaign as invalid:
        test.errors = _test_errors(invalid.errors, len(mine), extra)
        return _campaign_page(campaign_id, 422, test)
    except campaign_tests.TooManyTests as refused:
        minutes = max(1, -(-refused.retry_after // 60))
        test.errors = {
            "form": [
                _(
                    "Too many test emails of this campaign within an hour; try again in "
                    "%(minutes)s min.",
                    minutes=minutes,
                )
            ]
        }
        response = _campaign_page(campaign_id, 429, test)
        response.headers["Retry-After"] = str(refused.retry_after)
        return response
    return _back(campaign_id, done="test")


def _test_errors(errors: dict[str, Any], mine: int, extra: list[str]) -> dict[str, list[str]]:
    """The service's refusals next to the field they are about: an address by its index."""
    shown: dict[str, list[str]] = {}
    refused = [extra[int(i) - mine] for i in errors.get("to", {}) if int(i) >= mine]
    if refused:
        shown["extra"] = [
            _(
                "Only a console user's address or one of CONSOLE_TEST_RECIPIENTS may get a "
                "test email: %(addresses)s",
                addresses=", ".join(refused),
            )
        ]
    if len(refused) < len(errors.get("to", {})):
        shown.setdefault("form", []).append(_("Your own address may not get a test email."))
    if "locale" in errors:
        shown["locale"] = [_("The campaign has no version in this language.")]
    return shown


@blueprint.post("/<uuid:campaign_id>/runs/<uuid:run_id>/retry")
@allow(needs(SEND))
def retry(campaign_id: uuid.UUID, run_id: uuid.UUID) -> WerkzeugResponse:
    """Send the campaign again, in a run of its own, to the run's failed recipients who are
    still granted (never to its `unknown` ones: decision 0030)."""

    def work(registry: SqlRepository) -> uuid.UUID:
        retry_id = campaign_retries.retry_failed(_store(registry), campaign_id, run_id, clock.now())
        _audit(
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
        return _back(campaign_id, refused="retry")
    return _back(campaign_id, done="retry")


def _back(campaign_id: uuid.UUID, **outcome: str) -> WerkzeugResponse:
    """To the campaign's page, saying what was done or refused (post/redirect/get)."""
    values: dict[str, Any] = {"campaign_id": campaign_id, **outcome}
    return redirect(url_for("console_campaigns.campaign", **values), 303)
