"""Campaign and run lifecycles: which moves are allowed and how a mailer report is applied.

    scheduled --pause--> paused --resume--> scheduled
        |                  |
        +-----cancel-------+--> cancelled          scheduled --(no more runs)--> completed

A run is `planned` when the registry asks for it, `running` once the mailer starts it, and
ends `completed`, `cancelled` or `failed`. An ended run never moves again: a late report of
the mailer cannot revive a run the registry cancelled. Reports carry a `sequence` that grows
with every report of a run, and only a report newer than the one kept is applied, so reports
may arrive twice or out of order.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from consent_service.domain.errors import Conflict, DomainError
from consent_service.domain.purposes import CATALOGUE


class CampaignStatus(StrEnum):
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


class Action(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"


_TRANSITIONS: dict[tuple[CampaignStatus, Action], CampaignStatus] = {
    (CampaignStatus.SCHEDULED, Action.PAUSE): CampaignStatus.PAUSED,
    (CampaignStatus.PAUSED, Action.RESUME): CampaignStatus.SCHEDULED,
    (CampaignStatus.SCHEDULED, Action.CANCEL): CampaignStatus.CANCELLED,
    (CampaignStatus.PAUSED, Action.CANCEL): CampaignStatus.CANCELLED,
}

CONTROL_STATE = {
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


@dataclass(frozen=True)
class RunReport:
    """One `mailer.run_report`: cumulative counts and the run's status at `sequence`."""

    sequence: int
    status: RunStatus
    counts: RunCounts
    started_at: datetime | None
    finished_at: datetime | None
    reason: str | None = None


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
        report_sequence=report.sequence,
        started_at=report.started_at or run.started_at,
        finished_at=report.finished_at or run.finished_at,
        reason=report.reason or run.reason,
    )


def is_finished(status: CampaignStatus, next_run_at: datetime | None, unfinished: int) -> bool:
    """A scheduled campaign is over once no occurrence remains and no run is still going."""
    return status is CampaignStatus.SCHEDULED and next_run_at is None and unfinished == 0
