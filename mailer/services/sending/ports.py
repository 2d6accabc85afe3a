"""The ports the sender consumes, declared beside it (as listmonk's manager declares its store
and messenger): what it needs of the database, and of the clock and the throttle.

The others it takes are declared by the services it shares them with: the email backend
(`mailer.domain.outgoing.EmailBackend`), the registry's send-time check
(`mailer.services.fence.RegistryCheck`), where reports go
(`mailer.services.reports.ReportSink`). In production these are the SQL stores of
`mailer.adapters`, a backend of `mailer.adapters.email`, `RegistryClient`, the broker's
`ReportPublisher`, the system clock and `SendPace`; in the fast tests, `tests/fakes/mailer.py`.
"""

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from mailer.domain.outgoing import Outgoing, Person
from mailer.domain.runs import BatchClaim, FinishedBatch, RunRecord
from mailer.domain.send_ledger import RecipientStatus
from mailer.services.confirmations import ConfirmationStore
from mailer.services.reports import ReportStore
from mailer.services.view import RecipientView


class RunPlanning(Protocol):
    def next_planned_run(self) -> RunRecord | None:
        """The oldest planned run, which no other worker may plan meanwhile."""
        ...

    def plan(self, run: RunRecord, batch_size: int, now: datetime) -> tuple[int, int]:
        """Fill the run's send ledger with whoever is `granted` for its purpose and has an
        address, in id order, cut into batches; (recipients, batches)."""
        ...


class BatchLeases(Protocol):
    """The work queue: batches leased to one worker at a time (`mailer.domain.runs`)."""

    def claim(
        self, now: datetime, lease_until: datetime, *, sending: bool = True
    ) -> BatchClaim | None:
        """Take the next free, claimable batch, oldest run first; rows its previous holder
        had claimed become `unknown`."""
        ...

    def start_check(self, claim: BatchClaim, now: datetime, lease_until: datetime) -> bool:
        """Record that the send-time check begins now; False if the batch is no longer ours."""
        ...

    def hold(self, claim: BatchClaim, lease_until: datetime) -> tuple[str, str | None] | None:
        """Renew the lease; (run status, campaign state), or None if the batch was lost."""
        ...

    def release(self, claim: BatchClaim) -> None:
        """Give the batch back to the queue untouched."""
        ...

    def finish(self, claim: BatchClaim, now: datetime) -> FinishedBatch | None:
        """Close the batch (claimed rows become `unknown`) and add it to its run's counts;
        None if the batch is no longer ours."""
        ...

    def fail_run(self, run_id: uuid.UUID, reason: str, now: datetime) -> None:
        """The run cannot be sent; its remaining batches are drained."""
        ...


class SendLedger(Protocol):
    """The send ledger's rows (`mailer.domain.send_ledger`)."""

    def planned(self, run_id: uuid.UUID, batch_no: int) -> list[uuid.UUID]:
        """The batch's rows still `planned`, in id order."""
        ...

    def people(self, ids: Sequence[uuid.UUID], purpose: str) -> dict[uuid.UUID, RecipientStatus]:
        """What the view holds of each id, with its status for `purpose`."""
        ...

    def recent_emails(self, ids: Sequence[uuid.UUID], since: datetime) -> dict[uuid.UUID, int]:
        """Campaign emails each person may have been handed since `since`, any run."""
        ...

    def mark(
        self,
        run_id: uuid.UUID,
        ids: Sequence[uuid.UUID],
        source: str,
        target: str,
        now: datetime,
        reason: str | None = None,
    ) -> list[uuid.UUID]:
        """Move these rows from `source` to `target`; the ids of the rows that moved."""
        ...

    def mark_batch(
        self,
        run_id: uuid.UUID,
        batch_no: int,
        source: str,
        target: str,
        now: datetime,
        reason: str | None = None,
    ) -> list[uuid.UUID]:
        """Move every row of a batch in `source` to `target`."""
        ...


class SenderStore(RecipientView, ConfirmationStore, ReportStore, Protocol):
    """What the sender needs of one transaction: the view (for the fence and the cap's
    locks), the run stores, and what confirmations and reports need."""

    @property
    def planning(self) -> RunPlanning: ...

    @property
    def batches(self) -> BatchLeases: ...

    @property
    def ledger(self) -> SendLedger: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The time to record (aware, UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds for measuring waits and back-offs."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class Throttle(Protocol):
    """`MAILER_SEND_RATE` for one process (`SendPace` in production)."""

    def wait_for_batch(self, emails: int) -> bool:
        """Wait until `emails` more may go; True if the worker is stopping."""
        ...

    def wait_for_confirmation(self, emails: int) -> bool:
        """Like `wait_for_batch`, but never behind a campaign batch's wait."""
        ...

    def give_back(self, emails: int) -> None:
        """Return what was reserved for emails that were not sent after all."""
        ...


class Composer(Protocol):
    """Turns one run's templates into emails (`CampaignComposer` in production)."""

    def compose(self, people: Sequence[Person], *, max_envelopes: int = 1000) -> list[Outgoing]:
        """The emails for these people, in groups of at most `max_envelopes`; raises
        `CompositionError` when the content cannot be rendered."""
        ...
