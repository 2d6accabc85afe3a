"""How the pipeline is doing: the outbox lag, for `consent status`, `/readyz` and `/metrics`."""

from dataclasses import dataclass
from datetime import datetime

from consent_service.services.ports import Repository


@dataclass(frozen=True)
class OutboxLag:
    unsent: int
    oldest_age_seconds: float

    @classmethod
    def measure(cls, registry: Repository, now: datetime) -> "OutboxLag":
        unsent, oldest = registry.relay.outbox_lag()
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        return cls(unsent, max(age, 0.0))
