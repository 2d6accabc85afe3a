"""The scheduler's housekeeping jobs; campaign schedules are `services.scheduling`."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from consent_service.adapters.repository import Registry
from consent_service.services import audit

log = logging.getLogger(__name__)


@dataclass
class Housekeeping:
    """Seals ledger checkpoints every `checkpoint_interval`."""

    sessions: sessionmaker[Session]
    secret_key: str
    checkpoint_interval: timedelta
    last_checkpoint: datetime = field(default=datetime.min.replace(tzinfo=UTC))

    def tick(self, now: datetime) -> None:
        if now - self.last_checkpoint >= self.checkpoint_interval:
            with self.sessions() as session, session.begin():
                sealed = audit.checkpoint(Registry(session), self.secret_key, now)
            self.last_checkpoint = now
            if sealed:
                log.info(
                    "ledger checkpoint sealed", extra={"event": "checkpoint", "entries": sealed}
                )
