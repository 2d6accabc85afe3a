"""The scheduler's housekeeping jobs; campaign schedules are `services.scheduling`."""

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from consent_service.services import audit
from consent_service.services.ports import UnitOfWork
from consent_service.services.retention import Retention

log = logging.getLogger(__name__)

PURGE_INTERVAL = timedelta(days=1)
PURGE_RETRY = timedelta(hours=1)


@dataclass
class Housekeeping:
    """Seals ledger checkpoints every `checkpoint_interval`, and purges what retention
    no longer allows once a day (at start, then every `purge_interval`).

    The purge runs in a thread of its own: erasing or expiring many people may take minutes,
    and campaign schedules must not wait for it.
    """

    uow: UnitOfWork
    secret_key: str
    checkpoint_interval: timedelta
    retention: Retention | None = None
    purge_interval: timedelta = PURGE_INTERVAL
    last_checkpoint: datetime = field(default=datetime.min.replace(tzinfo=UTC))
    last_purge: datetime = field(default=datetime.min.replace(tzinfo=UTC))
    purging: threading.Thread | None = field(default=None, repr=False)

    def tick(self, now: datetime) -> None:
        if now - self.last_checkpoint >= self.checkpoint_interval:
            with self.uow.transaction() as registry:
                sealed = audit.checkpoint(registry, self.secret_key, now)
            self.last_checkpoint = now
            if sealed:
                log.info(
                    "ledger checkpoint sealed", extra={"event": "checkpoint", "entries": sealed}
                )
        if self.retention is not None and self._purge_due(now):
            self.last_purge = now
            self.purging = threading.Thread(
                target=self._purge, args=(self.retention, now), name="purge", daemon=True
            )
            self.purging.start()

    def _purge_due(self, now: datetime) -> bool:
        running = self.purging is not None and self.purging.is_alive()
        return not running and now - self.last_purge >= self.purge_interval

    def _purge(self, retention: Retention, now: datetime) -> None:
        try:
            done = retention.purge(now)
        except Exception:  # the database may be away: try again in an hour, not a day
            log.exception("purge failed", extra={"event": "purge_failed"})
            self.last_purge = now - self.purge_interval + PURGE_RETRY
            return
        log.info(
            "purge done", extra={"event": "purge_done", **{str(k): v for k, v in done.items()}}
        )
