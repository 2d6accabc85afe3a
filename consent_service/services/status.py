"""How the pipeline is doing: outbox lag and broker reachability, for humans and Prometheus."""

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


def prometheus_text(lag: OutboxLag, broker_up: bool) -> str:
    """The metrics in Prometheus' text exposition format (version 0.0.4)."""
    metrics = [
        (
            "consent_outbox_unsent_messages",
            "gauge",
            "Messages waiting to be published.",
            lag.unsent,
        ),
        (
            "consent_outbox_oldest_unsent_age_seconds",
            "gauge",
            "Age of the oldest message waiting to be published.",
            round(lag.oldest_age_seconds, 3),
        ),
        (
            "consent_broker_up",
            "gauge",
            "1 when the broker confirms a published message.",
            int(broker_up),
        ),
    ]
    lines = []
    for name, kind, help_text, value in metrics:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", f"{name} {value}"]
    return "\n".join(lines) + "\n"
