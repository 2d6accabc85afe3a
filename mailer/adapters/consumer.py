"""The consumer of the mailer's queue: a batch of messages, one transaction, then the acks.

It only translates between the broker and `services.apply`: it parses and validates each
body, applies a batch of them in one transaction, commits and only then acks them, so a crash
at any point leaves the messages to be redelivered (and the message id makes a redelivery a
no-op). Campaign commands are only recorded here; planning and sending happen in the
sender's own transactions, never in the consumer's. A batch closes at `BATCH_SIZE` messages
or `BATCH_WAIT` seconds after its first, so one commit serves many events under load and a
lone event still waits only milliseconds.
What can never be applied is published to the dead-letter exchange with the reason in a
header, then acked; this works the same on RabbitMQ and on the embedded transport, which has
no dead-lettering of its own. After a batch that erased someone, the dead letters about
erased people are dropped (`adapters.dead_letters`) and `on_erasure` runs (it scrubs an
embedded database), so no copy of their address is left behind.
"""

import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kombu import Connection, Consumer
from kombu.message import Message
from kombu.mixins import ConsumerProducerMixin

from mailer.adapters.broker import dead_letter_exchange, declare_topology, mailer_queue
from mailer.adapters.dead_letters import drop_erased
from mailer.adapters.repository import MailerTransaction
from mailer.services.apply import Result, apply_each, check_handled, propagation_lags
from mailer.services.meters import NO_METER, Meter
from plumbing.broker.consuming import StoppableConsumer
from schemas.messages import InvalidMessage, load_message
from schemas.messages.topology import DEAD_LETTER_REASON_HEADER

log = logging.getLogger(__name__)

BATCH_SIZE = 100
BATCH_WAIT = 0.02

PREFETCH = 2 * BATCH_SIZE
"""Per consumer: quorum queues do not support a global (per-channel) prefetch."""

BACKOFF_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)
"""Waits after successive failures to apply, so a database outage is not a busy loop."""

MAX_REASON_LENGTH = 1000
ERASED = "subject.erased/1"


class EventConsumer(StoppableConsumer, ConsumerProducerMixin):
    """Consumes `mailer.consent-events` until `stop()`; reconnects whenever the broker is lost."""

    def __init__(
        self,
        connection: Connection,
        transaction: MailerTransaction,
        on_erasure: Callable[[], object] | None = None,
        meter: Meter = NO_METER,
    ) -> None:
        self.connection = connection
        self.meter = meter
        self.transaction = transaction
        self.on_erasure = on_erasure
        self.rabbitmq = connection.transport.driver_type == "amqp"
        self._stop_requested = False
        self._failures = 0
        self._batch: list[tuple[Message, dict[str, Any]]] = []
        self._batch_started = 0.0

    # kombu's `should_stop` is a plain attribute; each consumer reads it from elsewhere.
    @property
    def should_stop(self) -> bool:  # type: ignore[override]
        return self._stop_requested

    def stop(self) -> None:
        """Leave `run()` after the message in hand.

        It only sets a flag, so it is safe in a signal handler (setting a threading.Event there
        can deadlock if the signal interrupts that same Event's lock).
        """
        self._stop_requested = True

    def declare(self) -> None:
        """Wait for the broker, then declare the topology (consuming declares it again).

        Declaring before the first catch-up means every event from then on is queued for the
        mailer, and catch-up covers everything before.
        """
        with self.establish_connection() as connection:
            declare_topology(connection.default_channel, self.rabbitmq)

    def get_consumers(self, consumer: Callable[..., Consumer], channel: Any) -> list[Consumer]:
        declare_topology(channel, self.rabbitmq)
        log.info("consuming", extra={"event": "consuming", "rabbitmq": self.rabbitmq})
        return [
            consumer(
                queues=[mailer_queue(self.rabbitmq)],
                on_message=self.on_message,
                prefetch_count=PREFETCH,
            )
        ]

    def consume(
        self,
        limit: int | None = None,
        timeout: float | None = None,
        safety_interval: float = BATCH_WAIT,
        **kwargs: Any,
    ) -> Any:
        """kombu's loop, waking every BATCH_WAIT so that a partial batch is not kept waiting."""
        return super().consume(limit, timeout, safety_interval, **kwargs)

    def on_message(self, message: Message) -> None:
        try:
            loaded = load_message(_json(message.body))
            check_handled(loaded)
        except InvalidMessage as invalid:
            self._dead_letter(message, invalid.reason)
            message.ack()
            return
        if not self._batch:
            self._batch_started = time.monotonic()
        self._batch.append((message, loaded))
        if len(self._batch) >= BATCH_SIZE:
            self.flush()

    def on_iteration(self) -> None:
        if self._batch and time.monotonic() - self._batch_started >= BATCH_WAIT:
            self.flush()

    def on_consume_end(self, connection: Connection, channel: Any) -> None:
        self.flush()
        super().on_consume_end(connection, channel)

    def on_connection_revived(self) -> None:
        """Deliveries of a lost connection come again on the new one; forget the old ones."""
        self._batch.clear()

    def flush(self) -> None:
        """Apply the batch in one transaction, commit, then ack every message of it."""
        batch, self._batch = self._batch, []
        if not batch:
            return
        messages = [loaded for _, loaded in batch]
        try:
            with self.transaction() as store:
                each = apply_each(store, messages)
        except Exception:  # noqa: BLE001 - a database outage, or a bug: retry, never die
            self._retry_later([message for message, _ in batch])
            return
        for message, _ in batch:
            message.ack()
        self._failures = 0
        results = Counter(each)
        self._measure(messages, each, results)
        applied: dict[str, object] = {"event": "messages_applied", "count": len(batch)}
        applied.update(results.items())
        log.info("messages applied", extra=applied)
        if any(loaded["schema"] == ERASED for _, loaded in batch):
            self._forget_erased()

    def _measure(
        self, messages: list[dict[str, Any]], each: list[Result], results: Counter[Result]
    ) -> None:
        """The batch's figures, once it is committed: how many of each outcome, and how long
        each applied change took to get here."""
        for outcome, count in results.items():
            self.meter.events_applied(outcome, count)
        for seconds in propagation_lags(messages, each, datetime.now(UTC)):
            self.meter.propagated(seconds)

    def _forget_erased(self) -> None:
        """Drop the dead letters of erased people, then run `on_erasure`; never fatal."""
        try:
            drop_erased(self.producer_connection, self._erased_among)
            if self.on_erasure is not None:
                self.on_erasure()
        except Exception:  # the next erasure sweeps again; consuming goes on
            log.warning(
                "could not sweep after an erasure", exc_info=True, extra={"event": "sweep_failed"}
            )

    def _erased_among(self, ids: set[uuid.UUID]) -> set[uuid.UUID]:
        with self.transaction() as store:
            return store.erased_among(sorted(ids))

    def _dead_letter(self, message: Message, reason: str) -> None:
        reason = reason[:MAX_REASON_LENGTH]
        log.warning("message dead-lettered", extra={"event": "dead_lettered", "reason": reason})
        headers = dict(message.headers or {})
        headers[DEAD_LETTER_REASON_HEADER] = reason
        exchange = dead_letter_exchange()
        self.producer.publish(
            message.body,
            exchange=exchange,
            routing_key=message.delivery_info.get("routing_key", ""),
            headers=headers,
            content_type=message.content_type or "application/octet-stream",
            content_encoding=message.content_encoding or "binary",
            declare=[exchange],
            retry=True,
            retry_policy={"max_retries": 5, "interval_start": 0.2, "interval_step": 0.5},
        )

    def _retry_later(self, messages: list[Message]) -> None:
        """Give the messages back to the queue and wait a little before taking the next.

        On RabbitMQ each requeue counts towards the queue's delivery limit, after which the
        broker dead-letters a message that can never be applied.
        """
        log.exception(
            "could not apply messages; requeued",
            extra={"event": "apply_failed", "count": len(messages)},
        )
        for message in messages:
            message.requeue()
        delay = BACKOFF_SECONDS[min(self._failures, len(BACKOFF_SECONDS) - 1)]
        self._failures += 1
        self.sleep(delay)


def _json(body: bytes | str) -> object:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidMessage("message body is not JSON") from None
