"""Campaign and run lifecycles: which moves are allowed and how a mailer report is applied.

    draft --schedule (campaigns:send)--> scheduled --pause--> paused --resume--> scheduled
      |                                     |                   |
      +----------------cancel---------------+-------------------+--> cancelled
    scheduled --(no more runs)--> completed
    scheduled | paused --edit without campaigns:send--> draft

A draft never runs: it waits until someone who may send (`campaigns:send`) gives it its
schedule, so whoever may only edit cannot make mail go out (decision 0030).

A run is `planned` when the registry asks for it, `running` once the mailer starts it, and
ends `completed`, `cancelled` or `failed`. An ended run never moves again: a late report of
the mailer cannot revive a run the registry cancelled. Reports carry a `sequence` that grows
with every report of a run, and only a report newer than the one kept is applied, so reports
may arrive twice or out of order. A report's counts per locale (`mailer.run_report/2`) are
taken with its other counts; an older mailer's report (`/1`) has none, and then the run has
none either, since counts of an older report would not add up to the newer totals.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from consent_service.domain.errors import Conflict, DomainError
from consent_service.domain.purposes import CATALOGUE


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class RunStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_RUN_STATUSES


TERMINAL_RUN_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.CANCELLED, RunStatus.FAILED})
UNFINISHED_RUN_STATUSES = frozenset(set(RunStatus) - TERMINAL_RUN_STATUSES)


class Trigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    RETRY = "retry"


class Action(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"


_TRANSITIONS: dict[tuple[CampaignStatus, Action], CampaignStatus] = {
    (CampaignStatus.SCHEDULED, Action.PAUSE): CampaignStatus.PAUSED,
    (CampaignStatus.PAUSED, Action.RESUME): CampaignStatus.SCHEDULED,
    (CampaignStatus.SCHEDULED, Action.CANCEL): CampaignStatus.CANCELLED,
    (CampaignStatus.PAUSED, Action.CANCEL): CampaignStatus.CANCELLED,
    (CampaignStatus.DRAFT, Action.CANCEL): CampaignStatus.CANCELLED,
}

CONTROL_STATE = {
    CampaignStatus.DRAFT: "paused",
    CampaignStatus.SCHEDULED: "running",
    CampaignStatus.PAUSED: "paused",
    CampaignStatus.CANCELLED: "cancelled",
}
"""What the mailer is told (`campaign.control`) about a campaign in each status."""


class CampaignNotFound(DomainError):
    pass


class RunNotFound(DomainError):
    pass


class CampaignConflict(Conflict):
    """The campaign's status does not allow the request (resume a cancelled campaign)."""


class InvalidCampaign(DomainError):
    """A new campaign is refused; `errors` maps each field, nested like the body, to messages."""

    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__("The campaign is not valid.")
        self.errors = errors


def transition(status: CampaignStatus, action: Action) -> CampaignStatus:
    """The status after `action`, or the conflict that says why it is not possible."""
    after = _TRANSITIONS.get((status, action))
    if after is None:
        raise CampaignConflict(f"A {status.value} campaign cannot be {_PAST[action]}.")
    return after


_PAST = {Action.PAUSE: "paused", Action.RESUME: "resumed", Action.CANCEL: "cancelled"}


def check_can_run(status: CampaignStatus) -> None:
    """Only a scheduled campaign starts runs; a paused one would hold it, an ended one never."""
    if status is not CampaignStatus.SCHEDULED:
        raise CampaignConflict(f"A {status.value} campaign cannot start a run.")


ENDED = frozenset({CampaignStatus.CANCELLED, CampaignStatus.COMPLETED})


def check_can_edit(status: CampaignStatus, unfinished_runs: int) -> None:
    """An ended campaign is history, and a run in progress sends the content it was given:
    an edit then would change what people get halfway through, so both are refused."""
    if status in ENDED:
        raise CampaignConflict(f"A {status.value} campaign cannot be edited.")
    if unfinished_runs:
        raise CampaignConflict(
            "A run of this campaign is in progress; edit it once the run has ended, "
            "or pause or cancel the campaign."
        )


def status_after_edit(
    status: CampaignStatus, *, may_send: bool, schedule_given: bool
) -> CampaignStatus:
    """The status of an edited campaign.

    An edit by someone who may not send makes it a draft again, so that nobody may change
    what goes out without someone who may send approving it. Someone who may send schedules
    a draft by giving its schedule; a paused campaign stays paused until resumed.
    """
    if not may_send:
        return CampaignStatus.DRAFT
    if status is CampaignStatus.DRAFT and schedule_given:
        return CampaignStatus.SCHEDULED
    return status


RETRIABLE_CAMPAIGN = frozenset({CampaignStatus.SCHEDULED, CampaignStatus.COMPLETED})


def check_can_retry(campaign: CampaignStatus, run: "RunState", retried: bool) -> None:
    """A run's failed recipients may be sent again once: after the run has ended, when some
    failed, and while the campaign is neither stopped (paused, cancelled) nor an unapproved
    draft. A second retry goes through the retry run, whose own failures it takes."""
    if campaign not in RETRIABLE_CAMPAIGN:
        raise CampaignConflict(f"A {campaign.value} campaign's runs cannot be retried.")
    if not run.status.is_terminal:
        raise CampaignConflict("The run has not ended yet; retry it once it has.")
    if retried:
        raise CampaignConflict(
            "This run was retried already; retry the retry run for what failed again."
        )
    if run.counts.failed == 0:
        raise CampaignConflict("No email of this run failed: there is nothing to retry.")


def purpose_errors(purpose: str) -> list[str]:
    """Why a campaign may not be sent for `purpose` ([] if it may): email and consent only."""
    found = CATALOGUE.get(purpose)
    if found is None:
        return [f"Unknown purpose '{purpose}'."]
    if not (found.is_consent_based and found.is_email):
        return [f"Purpose '{purpose}' is not a consent-based email purpose."]
    return []


@dataclass(frozen=True)
class RunCounts:
    recipients: int = 0
    sent: int = 0
    skipped_withdrawn: int = 0
    skipped_capped: int = 0
    failed: int = 0
    unknown: int = 0


@dataclass(frozen=True)
class RunState:
    """What the registry knows of a run, as far as reports change it."""

    status: RunStatus
    counts: RunCounts
    report_sequence: int
    started_at: datetime | None
    finished_at: datetime | None
    reason: str | None
    by_locale: Mapping[str, RunCounts] | None = None
    """Exact counts per locale the run writes in; None while no report carried them."""


@dataclass(frozen=True)
class RunReport:
    """One `mailer.run_report`: cumulative counts and the run's status at `sequence`."""

    sequence: int
    status: RunStatus
    counts: RunCounts
    started_at: datetime | None
    finished_at: datetime | None
    reason: str | None = None
    by_locale: Mapping[str, RunCounts] | None = None
    """None for a `/1` report, which has no counts per locale."""


def apply_report(run: RunState, report: RunReport) -> RunState | None:
    """The run after `report`, or None if the report is not newer than what is kept.

    Counts and times of a newer report are taken even when the run already ended (the
    registry may have cancelled it before the mailer's last report); the status is not.
    """
    if report.sequence <= run.report_sequence:
        return None
    return replace(
        run,
        status=run.status if run.status.is_terminal else report.status,
        counts=report.counts,
        by_locale=report.by_locale,
        report_sequence=report.sequence,
        started_at=report.started_at or run.started_at,
        finished_at=report.finished_at or run.finished_at,
        reason=report.reason or run.reason,
    )


def is_finished(status: CampaignStatus, next_run_at: datetime | None, unfinished: int) -> bool:
    """A scheduled campaign is over once no occurrence remains and no run is still going."""
    return status is CampaignStatus.SCHEDULED and next_run_at is None and unfinished == 0
