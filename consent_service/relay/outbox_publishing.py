"""The relay's first job: committed outbox messages to the broker, oldest first.

A batch is claimed inside a transaction, published with confirms, and marked sent in the same
transaction, so a relay that dies mid-batch leaves its rows unsent for the next one to take
(the mailer drops the duplicates by message id). Rows of one subject are published in id
order, which is their commit order because writers of one subject hold its row lock; with
several relays, two of them may publish one subject's rows in either order, and the version
on every message keeps the mailer from going backwards. What it publishes, and each time the
broker fails it, is counted through `RelayMeter` (the relay's metrics port, decision 0040).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from consent_service.services.ports import UnitOfWork
from consent_service.services.ports.outbox import OutgoingMessage, Publisher, PublishError

log = logging.getLogger(__name__)
KEEP_SENT = timedelta(hours=1)


@dataclass
class RelayStats:
    published: int = 0


class RelayMeter(Protocol):
    """What the relay counts for the operators (`adapters.metrics` in production)."""

    def published(self, messages: int) -> None: ...

    def broker_failed(self) -> None: ...


class NoMeter:
    """Counts nothing: a relay whose figures nobody reads."""

    def published(self, messages: int) -> None:
        pass

    def broker_failed(self) -> None:
        pass


def relay_batch(uow: UnitOfWork, publisher: Publisher, batch_size: int) -> int:
    """Publish one batch; returns how many messages the broker confirmed."""
    with uow.transaction() as registry:
        rows = registry.relay.claim_outbox(batch_size)
        if not rows:
            return 0
        confirmed = set(
            publisher.publish(
                [OutgoingMessage(str(mid), key, payload) for _, mid, key, payload in rows]
            )
        )
        sent = [row_id for row_id, mid, _, _ in rows if str(mid) in confirmed]
        registry.relay.mark_sent(sent, datetime.now(UTC))
    if len(sent) < len(rows):
        log.warning(
            "broker did not confirm every message; they stay in the outbox",
            extra={"event": "relay_partial", "claimed": len(rows), "confirmed": len(sent)},
        )
    return len(sent)


def prune(uow: UnitOfWork) -> int:
    with uow.transaction() as registry:
        return registry.relay.prune_sent_outbox(datetime.now(UTC) - KEEP_SENT)


def run_relay(
    uow: UnitOfWork,
    publisher: Publisher,
    *,
    batch_size: int,
    idle_sleep: float,
    should_stop: Callable[[], bool],
    sleep: Callable[[float], None],
    meter: RelayMeter | None = None,
) -> RelayStats:
    """Relay until told to stop; back off while the broker is unreachable, never give up."""
    stats, backoff, last_prune = RelayStats(), 0.0, datetime.now(UTC)
    meter = meter or NoMeter()
    while not should_stop():
        try:
            count = relay_batch(uow, publisher, batch_size)
        except PublishError as error:
            meter.broker_failed()
            backoff = min(max(backoff * 2, 0.2), 5.0)
            log.warning(
                "broker unavailable; outbox kept",
                extra={"event": "relay_broker_error", "error": str(error), "retry_in": backoff},
            )
            sleep(backoff)
            continue
        backoff = 0.0
        stats.published += count
        meter.published(count)
        if datetime.now(UTC) - last_prune > timedelta(minutes=1):
            prune(uow)
            last_prune = datetime.now(UTC)
        if count < batch_size:
            sleep(idle_sleep)
    return stats
