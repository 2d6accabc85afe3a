"""Campaign runs in plain Python: a run's life, its batches' leases, pause and cancel, the counts.

A run is recorded `planned` when the registry asks for it (`cancelled` at once if its
campaign already is), planned into the send ledger and cut into batches (`running`, or
`completed` when nobody is to be emailed), and `completed` when its last batch closes. The
campaign's state (the highest version wins) steers it meanwhile:

    run:   planned ─> running ─> completed
              └──────────┴─────> cancelled (campaign cancelled) | failed (content broken)

    batch: queued ─> sending ─> done          one holder at a time, under a lease;
             ^          │                     each claim is a new `attempt`
             └─release──┘

- A batch is free when `queued`, or `sending` with its lease run out (its holder died or
  hangs): the next claim takes it over, and the rows the old holder had claimed become
  `unknown` (`send_ledger.TAKEN_OVER`). Every later write of the old holder names its
  attempt, so it finds the batch no longer its own and changes nothing.
- A batch is claimed for sending while its run is `running` and its campaign neither paused
  nor cancelled; a cancelled or failed run's batches are claimed only to be drained (their
  planned rows `cancelled`, the batch closed without sending).
- Pause works at the batch's check: a paused campaign's batch goes back to the queue
  untouched, and its queued batches are not claimed until the campaign runs again. A batch
  past its check is finished either way (its claims are committed).
- A closed batch adds the count of its rows per final state to its run; `cancelled` rows are
  in no count, so the counts add up to `recipients` less what was cancelled. It adds the same
  counts per locale to the run's breakdown, each row under the locale the run writes to that
  recipient in (`locale_written`), fixed when the run is planned (decision 0035).
"""

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Final, Literal

RUN_PLANNED: Final = "planned"
RUN_RUNNING: Final = "running"
RUN_COMPLETED: Final = "completed"
RUN_CANCELLED: Final = "cancelled"
RUN_FAILED: Final = "failed"
RUN_UNFINISHED = (RUN_PLANNED, RUN_RUNNING)
RUN_DRAINED = (RUN_CANCELLED, RUN_FAILED)
"""Runs whose remaining batches are closed without sending."""

CAMPAIGN_RUNNING: Final = "running"
CAMPAIGN_PAUSED: Final = "paused"
CAMPAIGN_CANCELLED: Final = "cancelled"
CAMPAIGN_SENDABLE = (None, CAMPAIGN_RUNNING)
"""Campaign states whose runs' batches may be sent; None: no control message yet."""
CANCELLED_REASON = "campaign cancelled"

BATCH_QUEUED: Final = "queued"
BATCH_SENDING: Final = "sending"
BATCH_DONE: Final = "done"

SEND: Final = "send"
DRAIN: Final = "drain"
RELEASE: Final = "release"
AtCheck = Literal["send", "drain", "release"]
"""What a holder does with its batch at the send-time check (`at_check`)."""


@dataclass(frozen=True)
class RunRecord:
    """What the sender needs of a run to plan it and to compose its emails."""

    run_id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_name: str
    purpose: str
    default_locale: str
    content: Mapping[str, Mapping[str, str]]
    status: str
    layout: Mapping[str, Mapping[str, str]] | None = None
    """The campaign's layout per locale as the run was requested; None: the default layout."""
    retry_of: uuid.UUID | None = None
    """A retry run sends only to this earlier run's `failed` recipients."""


@dataclass(frozen=True)
class BatchClaim:
    """A batch one worker holds under a lease, as its `attempt`-th holder."""

    run: RunRecord
    batch_no: int
    attempt: int
    taken_over: int
    """Rows a previous holder had claimed, now `unknown`."""


@dataclass(frozen=True)
class RunCounts:
    """The counts of a run as reports and the registry show them (SPEC section 4)."""

    recipients: int = 0
    sent: int = 0
    skipped_withdrawn: int = 0
    skipped_capped: int = 0
    failed: int = 0
    unknown: int = 0

    @classmethod
    def of_states(cls, states: Mapping[str, int]) -> "RunCounts":
        """What a finished batch adds to its run, from the count of its rows per state.

        `recipients` is counted when the run is planned, and `cancelled` rows are in no count.
        """
        return cls(**{name: states.get(name, 0) for name in COUNTERS})

    def __add__(self, other: "RunCounts") -> "RunCounts":
        return RunCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


COUNTERS = tuple(f.name for f in fields(RunCounts) if f.name != "recipients")
"""The counts a closed batch adds to; each is named like the ledger state it counts."""


@dataclass(frozen=True)
class FinishedBatch:
    counts: RunCounts
    run_status: str


@dataclass(frozen=True)
class RunReport:
    """A run's state as `mailer.run_report/1` tells it, with the sequence of this telling."""

    run_id: uuid.UUID
    campaign_id: uuid.UUID
    sequence: int
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    counts: RunCounts
    reason: str | None
    by_locale: Mapping[str, RunCounts] = field(default_factory=dict)
    """The counts per locale the run writes in; empty for a run planned before they were
    kept (its rows have no locale)."""


def locale_written(locale: str | None, content_locales: Collection[str], default: str) -> str:
    """The locale a run writes to a recipient in: their own if the content has a version in
    it, the campaign's default otherwise (as `mailer.services.compose` renders it)."""
    return locale if locale is not None and locale in content_locales else default


def status_on_arrival(campaign_state: str | None) -> str:
    """A requested run is planned, unless its campaign was cancelled before it arrived."""
    return RUN_CANCELLED if campaign_state == CAMPAIGN_CANCELLED else RUN_PLANNED


def supersedes(version: int, held: int | None) -> bool:
    """Whether a campaign control message of `version` replaces the state held (if any)."""
    return held is None or held < version


def batch_of(position: int, batch_size: int) -> int:
    """The batch of the recipient at `position` (from 0) in id order."""
    return position // batch_size


def batches_for(recipients: int, batch_size: int) -> int:
    return -(-recipients // batch_size)


def status_when_planned(batches: int) -> str:
    """A run with nobody to email is complete as soon as it is planned."""
    return RUN_RUNNING if batches else RUN_COMPLETED


def is_free(state: str, lease_until: datetime | None, now: datetime) -> bool:
    """Whether a batch may be claimed: queued, or its holder's lease ran out."""
    expired = lease_until is not None and lease_until < now
    return state == BATCH_QUEUED or (state == BATCH_SENDING and expired)


def is_sendable(run_status: str, campaign_state: str | None) -> bool:
    return run_status == RUN_RUNNING and campaign_state in CAMPAIGN_SENDABLE


def is_claimable(run_status: str, campaign_state: str | None, *, sending: bool) -> bool:
    """Whether a free batch of this run is claimed: to drain it always, to send it only while
    `sending` (the worker may ask the registry) and its run and campaign allow."""
    drained = run_status in RUN_DRAINED
    return drained or (sending and is_sendable(run_status, campaign_state))


def holds(state: str, attempts: int, claim: BatchClaim) -> bool:
    """Whether a batch is still being sent by this claim's holder (the attempt is the fence
    that keeps a holder whose batch was taken over from writing)."""
    return state == BATCH_SENDING and attempts == claim.attempt


def at_check(run_status: str, campaign_state: str | None) -> AtCheck:
    """What a holder does with its batch at the send-time check, as the run and campaign are
    then: drain it (run cancelled or failed), give it back (campaign paused), or send it."""
    if run_status in RUN_DRAINED:
        return DRAIN
    if campaign_state == CAMPAIGN_PAUSED:
        return RELEASE
    return SEND


def status_after_batch(run_status: str, batches_still_open: int) -> str:
    """A running run completes when its last batch closes; any other status stays."""
    if run_status == RUN_RUNNING and batches_still_open == 0:
        return RUN_COMPLETED
    return run_status


def report_due(
    *,
    sequence: int,
    reported_sequence: int,
    status: str,
    reported_at: datetime | None,
    now: datetime,
    interval: timedelta,
) -> bool:
    """Whether a run has news to report now: at most one report per `interval` while it is
    unfinished, at once when it is finished."""
    finished = status not in RUN_UNFINISHED
    quiet = reported_at is None or reported_at <= now - interval
    return sequence > reported_sequence and (finished or quiet)
