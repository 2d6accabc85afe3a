"""The mailer keeps send-ledger detail for `MAILER_RETENTION_SEND_LEDGER_DAYS` (365), then
deletes it, daily, in every `mailer work`.

What goes, once older than the limit:

* the per-recipient rows of finished runs (`mailer_deliveries`) and their batches; the run
  keeps its counts and status, so campaign reports stay whole;
* finished double opt-in emails (`mailer_confirmations`; their address is already cleared);
* the ids of messages already applied (`processed_messages`). A message redelivered after
  its id is gone is still harmless: every subject event carries a version the view already
  holds, and a run or campaign command names a run or version the mailer knows.

The frequency cap counts recent deliveries, so none younger than its period is ever deleted,
whatever the limit. Several workers may purge at once: deleting what is already gone does
nothing.
"""

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from mailer.config import MailerSettings
from mailer.services.unit_of_work import Transaction

log = logging.getLogger(__name__)

PURGE_INTERVAL = timedelta(days=1)


class LedgerDetail(Protocol):
    """The detail retention counts and deletes: finished runs' rows, finished transactional
    emails, the ids of applied messages."""

    def finished_runs_with_detail(self, finished_before: datetime) -> list[uuid.UUID]:
        """Runs finished before the cutoff that still have delivery or batch rows."""
        ...

    def count_deliveries(self, run_ids: list[uuid.UUID]) -> int: ...

    def delete_run_detail(self, run_id: uuid.UUID) -> int:
        """Delete a run's delivery rows and batches; how many deliveries there were."""
        ...

    def count_confirmations(self, finished_before: datetime) -> int: ...

    def delete_confirmations(self, finished_before: datetime) -> int: ...

    def count_processed(self, processed_before: datetime) -> int: ...

    def delete_processed(self, processed_before: datetime) -> int: ...


class RetentionStore(Protocol):
    """What retention needs of one transaction."""

    @property
    def retention(self) -> LedgerDetail: ...


@dataclass(frozen=True)
class SendLedgerRetention:
    kept: timedelta
    cap_period: timedelta | None = None
    """The frequency cap's rolling period: deliveries it still counts are kept."""

    @classmethod
    def of(cls, settings: MailerSettings) -> "SendLedgerRetention":
        cap = settings.sending.frequency_cap
        return cls(settings.send_ledger_retention, cap.period if cap else None)

    def cutoff(self, now: datetime) -> datetime:
        return now - max(self.kept, self.cap_period or timedelta(0))


@dataclass
class PurgeCounts:
    runs: int = 0
    deliveries: int = 0
    confirmations: int = 0
    processed_messages: int = 0


def plan(
    unit_of_work: Transaction[RetentionStore], retention: SendLedgerRetention, now: datetime
) -> PurgeCounts:
    """What a purge at `now` would delete; changes nothing."""
    cutoff = retention.cutoff(now)
    with unit_of_work() as store:
        detail = store.retention
        runs = detail.finished_runs_with_detail(cutoff)
        return PurgeCounts(
            runs=len(runs),
            deliveries=detail.count_deliveries(runs),
            confirmations=detail.count_confirmations(cutoff),
            processed_messages=detail.count_processed(cutoff),
        )


def purge(
    unit_of_work: Transaction[RetentionStore], retention: SendLedgerRetention, now: datetime
) -> PurgeCounts:
    """Delete the detail older than the limit: one transaction per run, then the rest."""
    cutoff = retention.cutoff(now)
    with unit_of_work() as store:
        runs = store.retention.finished_runs_with_detail(cutoff)
    done = PurgeCounts(runs=len(runs))
    for run_id in runs:
        with unit_of_work() as store:
            done.deliveries += store.retention.delete_run_detail(run_id)
    with unit_of_work() as store:
        done.confirmations = store.retention.delete_confirmations(cutoff)
    with unit_of_work() as store:
        done.processed_messages = store.retention.delete_processed(cutoff)
    return done


def start_daily_purge(
    unit_of_work: Transaction[RetentionStore],
    retention: SendLedgerRetention,
    sleep: Callable[[float], bool],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> threading.Thread:
    """Purge now and then every day, in a thread, until `sleep` says the worker is stopping."""

    def loop() -> None:
        while True:
            try:
                done = purge(unit_of_work, retention, clock())
                log.info("send ledger purged", extra={"event": "purge_done", **vars(done)})
            except Exception:  # the database may be away; tomorrow is another day
                log.exception("send ledger purge failed", extra={"event": "purge_failed"})
            if sleep(PURGE_INTERVAL.total_seconds()):
                return

    thread = threading.Thread(target=loop, name="retention", daemon=True)
    thread.start()
    return thread
