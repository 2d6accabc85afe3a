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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailer.adapters import retention_store
from mailer.config import MailerSettings
from mailer.services.catchup import Transaction

log = logging.getLogger(__name__)

PURGE_INTERVAL = timedelta(days=1)


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


def plan(unit_of_work: Transaction, retention: SendLedgerRetention, now: datetime) -> PurgeCounts:
    """What a purge at `now` would delete; changes nothing."""
    cutoff = retention.cutoff(now)
    with unit_of_work() as store:
        runs = retention_store.finished_runs_with_detail(store.session, cutoff)
        return PurgeCounts(
            runs=len(runs),
            deliveries=retention_store.count_deliveries(store.session, runs),
            confirmations=retention_store.count_confirmations(store.session, cutoff),
            processed_messages=retention_store.count_processed(store.session, cutoff),
        )


def purge(unit_of_work: Transaction, retention: SendLedgerRetention, now: datetime) -> PurgeCounts:
    """Delete the detail older than the limit: one transaction per run, then the rest."""
    cutoff = retention.cutoff(now)
    with unit_of_work() as store:
        runs = retention_store.finished_runs_with_detail(store.session, cutoff)
    done = PurgeCounts(runs=len(runs))
    for run_id in runs:
        with unit_of_work() as store:
            done.deliveries += retention_store.delete_run_detail(store.session, run_id)
    with unit_of_work() as store:
        done.confirmations = retention_store.delete_confirmations(store.session, cutoff)
    with unit_of_work() as store:
        done.processed_messages = retention_store.delete_processed(store.session, cutoff)
    return done


def start_daily_purge(
    unit_of_work: Transaction,
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
