"""Campaign use cases: create, pause, resume, cancel, run now, and take in the mailer's reports.

Editing (campaign_edits.py), retrying a run's failures (campaign_retries.py) and test sends
(campaign_tests.py) have modules of their own, and so does the preview
(campaign_previews.py).

Every lifecycle change and every run request writes its message to the outbox in the same
transaction as the rows it announces (as consent changes do, services/changes.py): the mailer
learns of a run or a pause exactly when it is committed, never before and never not at all.
The caller owns the transaction; these functions only read and write through the store (the
`Campaigns` port), and build their outbox rows with the ledger's writer, which checks each
message against its schema (services/ledger_writer.py).
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from consent_service.domain import campaigns as rules
from consent_service.domain.campaigns import (
    Action,
    CampaignNotFound,
    CampaignStatus,
    InvalidCampaign,
    RunCounts,
    RunReport,
    RunState,
    RunStatus,
    Trigger,
)
from consent_service.domain.ledger import timestamp
from consent_service.domain.locales import LOCALES
from consent_service.domain.schedules import ScheduleError, parse_schedule, schedule_from_json
from consent_service.services.ledger_writer import outbox_row
from consent_service.services.ports.campaigns import CampaignRow, Campaigns, RunRow
from consent_service.services.ports.outbox import OutboxRow
from plumbing.templates.campaigns import content_errors

log = logging.getLogger(__name__)

RUN_REQUESTED = "campaign.run_requested/1"
CONTROL = "campaign.control/1"


@dataclass(frozen=True)
class NewCampaign:
    """A campaign as the API received it; `schedule` holds parsed datetimes, None for none."""

    name: str
    purpose: str
    content: dict[str, dict[str, str]]
    schedule: dict[str, Any] | None = None
    layout: uuid.UUID | None = None
    """The layout to send inside; None: the default layout (brand settings)."""


@dataclass(frozen=True)
class LocaleFallback:
    """People of the campaign's purpose whose locale the content lacks: they will get the
    default locale's version, and the campaign's author should know before it goes out."""

    locale: str
    recipients: int
    fallback_locale: str
    message: str


def _fallback(locale: str, recipients: int, fallback_locale: str, purpose: str) -> LocaleFallback:
    message = (
        f"{recipients} recipient(s) of {purpose} use {locale!r}, which the content has no "
        f"version in: they will get the {fallback_locale!r} version (DEFAULT_LOCALE)."
    )
    return LocaleFallback(locale, recipients, fallback_locale, message)


@dataclass(frozen=True)
class CampaignView:
    campaign: CampaignRow
    runs: list[RunRow]
    warnings: tuple[LocaleFallback, ...] = ()
    """Only when the campaign is created or edited."""


class ReportOutcome(StrEnum):
    APPLIED = "applied"
    STALE = "stale"
    UNKNOWN_RUN = "unknown_run"


def create_campaign(
    store: Campaigns, new: NewCampaign, *, may_send: bool, default_locale: str, now: datetime
) -> CampaignView:
    """Validate everything at once (purpose, content, schedule) and store the campaign;
    warn of the locales its recipients use that the content lacks.

    It is `scheduled` only when it has a schedule and its author `may_send` (holds
    `campaigns:send`); otherwise it is a `draft` that keeps the schedule it was given until
    someone who may send schedules it (decision 0030). Validation renders the content (up to
    its time budget, decision 0018) before the first statement, so the transaction has taken
    no lock meanwhile.
    """
    errors = content_problems(new.purpose, new.content, default_locale)
    schedule, first_run_at = None, None
    if new.schedule is not None:
        try:
            parsed, first_run_at = parse_schedule(new.schedule, now)
            schedule = parsed.to_json()
        except ScheduleError as error:
            errors["schedule"] = {error.field or "_schema": [error.message]}
    if new.layout is not None and store.layout(new.layout) is None:
        errors["layout"] = [f"No layout {new.layout}."]
    if errors:
        raise InvalidCampaign(errors)
    scheduled = may_send and schedule is not None
    campaign = CampaignRow(
        id=uuid.uuid4(),
        name=new.name,
        purpose=new.purpose,
        content=new.content,
        schedule=schedule,
        default_locale=default_locale,
        status=(CampaignStatus.SCHEDULED if scheduled else CampaignStatus.DRAFT).value,
        next_run_at=first_run_at if scheduled else None,
        control_version=0,
        created_at=now,
        updated_at=now,
        layout_id=new.layout,
    )
    store.add_campaign(campaign)
    return CampaignView(
        campaign, [], locale_fallbacks(store, new.purpose, new.content, default_locale)
    )


def content_problems(purpose: str, content: dict[str, Any], default_locale: str) -> dict[str, Any]:
    """The body's errors of a campaign's purpose and content, nested like the body."""
    errors: dict[str, Any] = {}
    if problems := rules.purpose_errors(purpose):
        errors["purpose"] = problems
    if failures := content_errors(content, default_locale):
        errors["content"] = _nested(failures)
    return errors


def locale_fallbacks(
    store: Campaigns, purpose: str, content: dict[str, Any], default_locale: str
) -> tuple[LocaleFallback, ...]:
    """One warning per locale that recipients of `purpose` use and `content` lacks."""
    missing = [locale for locale in LOCALES if locale not in content]
    counts = store.recipients_by_locale(purpose, missing)
    return tuple(
        _fallback(locale, counts[locale], default_locale, purpose)
        for locale in missing
        if counts.get(locale)
    )


def _nested(flat: dict[str, list[str]]) -> dict[str, Any]:
    """`{"ky.html": [...]}` as `{"ky": {"html": [...]}}`, the shape of the body's errors."""
    nested: dict[str, Any] = {}
    for where, messages in flat.items():
        locale, _, part = where.partition(".")
        if part:
            nested.setdefault(locale, {})[part] = messages
        else:
            nested[locale] = messages
    return nested


def get_campaign(store: Campaigns, campaign_id: uuid.UUID) -> CampaignView:
    campaign = find_campaign(store, campaign_id)
    return CampaignView(campaign, store.runs_of([campaign.id])[campaign.id])


def list_campaigns(store: Campaigns, status: CampaignStatus | None) -> list[CampaignView]:
    """Newest first, each with its runs."""
    campaigns = store.campaigns(status)
    runs = store.runs_of(c.id for c in campaigns)
    return [CampaignView(c, runs[c.id]) for c in campaigns]


def find_campaign(store: Campaigns, campaign_id: uuid.UUID, *, lock: bool = False) -> CampaignRow:
    """The campaign, locked for the transaction with `lock`; CampaignNotFound if none."""
    found = store.campaign(campaign_id, for_update=lock)
    if found is None:
        raise CampaignNotFound(f"No campaign {campaign_id}.")
    return found


def change_lifecycle(
    store: Campaigns, campaign_id: uuid.UUID, action: Action, now: datetime
) -> CampaignView:
    """Pause, resume or cancel; tells the mailer the new state under a higher version.

    A paused campaign gathers no runs: on resume its next run is the first occurrence after
    now. A one-off whose time passed while it was paused therefore has none left and is
    completed. Cancelling also cancels the runs that have not ended.
    """
    campaign = find_campaign(store, campaign_id, lock=True)
    status = rules.transition(CampaignStatus(campaign.status), action)
    version = campaign.control_version + 1
    next_run_at = campaign.next_run_at
    if action is Action.RESUME:
        assert campaign.schedule is not None  # only a draft has none, and drafts never pause
        next_run_at = schedule_from_json(campaign.schedule, campaign.created_at).next_after(now)
    elif action is Action.CANCEL:
        next_run_at = None
        store.cancel_unfinished_runs(campaign.id, now, "campaign cancelled")
    store.update_campaign(
        campaign.id,
        status=status.value,
        next_run_at=next_run_at,
        control_version=version,
        updated_at=now,
    )
    store.add_outbox([control_message(campaign.id, status, version, now)])
    log.info(
        "campaign lifecycle changed",
        extra={"event": f"campaign_{action.value}", "campaign_id": str(campaign.id)},
    )
    if action is Action.RESUME:
        complete_if_finished(store, campaign.id, next_run_at, now)
    return get_campaign(store, campaign.id)


def start_run(store: Campaigns, campaign_id: uuid.UUID, now: datetime) -> uuid.UUID:
    """A manual run, now; only a scheduled campaign may start one."""
    campaign = find_campaign(store, campaign_id, lock=True)
    rules.check_can_run(CampaignStatus(campaign.status))
    run_id = request_run(store, campaign, Trigger.MANUAL, None, now)
    assert run_id is not None  # only a scheduled occurrence can collide
    return run_id


def request_run(
    store: Campaigns,
    campaign: CampaignRow,
    trigger: Trigger,
    scheduled_for: datetime | None,
    now: datetime,
    *,
    retry_of: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Insert a `planned` run and its `campaign.run_requested` message, together.

    None when the occurrence `scheduled_for` already has its run: nothing is written then.
    A run that `retry_of` names another sends only to that run's failed recipients.
    """
    run = RunRow(
        retry_of=retry_of,
        id=uuid.uuid4(),
        campaign_id=campaign.id,
        trigger=trigger.value,
        scheduled_for=scheduled_for,
        created_at=now,
        state=RunState(
            status=RunStatus.PLANNED,
            counts=RunCounts(),
            report_sequence=0,
            started_at=None,
            finished_at=None,
            reason=None,
        ),
    )
    if not store.add_run(run):
        return None
    store.add_outbox([_run_requested_message(campaign, layout_of(store, campaign), run, now)])
    log.info(
        "campaign run requested",
        extra={
            "event": "run_requested",
            "campaign_id": str(campaign.id),
            "run_id": str(run.id),
            "trigger": trigger.value,
        },
    )
    return run.id


def apply_report(store: Campaigns, report: dict[str, Any], now: datetime) -> ReportOutcome:
    """Take a loaded `mailer.run_report/1` or `/2` into the run it names, if it is newer.

    The campaign is locked before its run, as every writer does. When the run has ended, a
    campaign with no occurrence left and no other run going is completed.
    """
    found = store.run(report["run_id"])
    if found is None or found.campaign_id != report["campaign_id"]:
        return ReportOutcome.UNKNOWN_RUN
    campaign = find_campaign(store, found.campaign_id, lock=True)
    run = store.run(found.id, for_update=True)
    assert run is not None  # runs are never deleted
    updated = rules.apply_report(run.state, _run_report(report))
    if updated is None:
        return ReportOutcome.STALE
    store.save_run_state(run.id, updated)
    if updated.status.is_terminal:
        complete_if_finished(store, campaign.id, campaign.next_run_at, now)
    return ReportOutcome.APPLIED


def _run_report(report: dict[str, Any]) -> RunReport:
    return RunReport(
        sequence=report["sequence"],
        status=RunStatus(report["status"]),
        counts=RunCounts(**report["counts"]),
        started_at=report["started_at"],
        finished_at=report["finished_at"],
        reason=report.get("reason"),
        by_locale=_by_locale(report.get("by_locale")),
    )


def _by_locale(found: dict[str, dict[str, int]] | None) -> dict[str, RunCounts] | None:
    """A `/2` report's counts per locale; None for a `/1` report, which has none."""
    if found is None:
        return None
    return {locale: RunCounts(**counts) for locale, counts in found.items()}


def complete_if_finished(
    store: Campaigns, campaign_id: uuid.UUID, next_run_at: datetime | None, now: datetime
) -> bool:
    """Mark a scheduled campaign `completed` once nothing is left to run; True if it was."""
    campaign = find_campaign(store, campaign_id)
    status = CampaignStatus(campaign.status)
    if not rules.is_finished(status, next_run_at, store.unfinished_runs(campaign_id)):
        return False
    store.update_campaign(
        campaign_id, status=CampaignStatus.COMPLETED.value, next_run_at=None, updated_at=now
    )
    log.info(
        "campaign completed",
        extra={"event": "campaign_completed", "campaign_id": str(campaign_id)},
    )
    return True


def layout_of(store: Campaigns, campaign: CampaignRow) -> dict[str, dict[str, str]] | None:
    """The campaign's layout as the run's message carries it; None asks for the default.

    The run takes the layout as it is now: an edit made while the run is sending does not
    change half of its emails.
    """
    if campaign.layout_id is None:
        return None
    layout = store.layout(campaign.layout_id)
    if layout is None:  # layouts are never deleted; the foreign key keeps them
        return None
    return {locale: version.to_json() for locale, version in layout.versions.items()}


def _run_requested_message(
    campaign: CampaignRow,
    layout: dict[str, dict[str, str]] | None,
    run: RunRow,
    now: datetime,
) -> OutboxRow:
    body: dict[str, Any] = {
        "schema": RUN_REQUESTED,
        "message_id": str(uuid.uuid4()),
        "occurred_at": timestamp(now),
        "campaign_id": str(campaign.id),
        "run_id": str(run.id),
        "campaign_name": campaign.name,
        "purpose": campaign.purpose,
        "default_locale": campaign.default_locale,
        "content": campaign.content,
        "layout": layout,
    }
    if run.retry_of is not None:
        body["retry_of"] = str(run.retry_of)
    return outbox_row(None, "campaign.run_requested", body, now)


def control_message(
    campaign_id: uuid.UUID, status: CampaignStatus, version: int, now: datetime
) -> OutboxRow:
    body = {
        "schema": CONTROL,
        "message_id": str(uuid.uuid4()),
        "occurred_at": timestamp(now),
        "campaign_id": str(campaign_id),
        "state": rules.CONTROL_STATE[status],
        "version": version,
    }
    return outbox_row(None, "campaign.control", body, now)


def current_warnings(store: Campaigns, campaign: CampaignRow) -> tuple[LocaleFallback, ...]:
    """The warnings of `create_campaign`, as of now: recipients of the campaign's purpose whose
    locale its content lacks (the console shows them on the campaign's page at every visit,
    since people come and go after the campaign was created)."""
    return locale_fallbacks(store, campaign.purpose, campaign.content, campaign.default_locale)
