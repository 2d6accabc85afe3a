"""The mailer's answering of export requests: `mailer.exports` in, `mailer.reports` out.

A thread of `mailer work` beside the event consumer, with its own connection (kombu
connections are not thread-safe). Any number of workers compete for the queue and one of them
answers each request, from the database they all share. A request is acked once its answer is
published; one that cannot be read is acked and logged (the registry, having no answer, says
"retry"); one that failed for a passing reason (the database is away) is requeued after a
pause, and expires in the queue if that lasts (decision 0013).
"""

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kombu import Connection, Consumer, Exchange, Queue, binding
from kombu.message import Message
from kombu.mixins import ConsumerProducerMixin

from mailer.adapters.broker import connect, consent_events, mailer_reports
from mailer.adapters.repository import MailerTransaction
from mailer.config import MailerSettings
from mailer.services.export_part import answer
from plumbing.broker.consuming import StoppableConsumer
from schemas.messages import InvalidMessage, load_message, topology

log = logging.getLogger(__name__)

REQUESTED = "export.requested/1"
PREFETCH = 10
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


def exports_queue(rabbitmq: bool) -> Queue:
    """Declared exactly as the registry and the operators' definitions declare it."""
    return Queue(
        topology.EXPORTS_QUEUE,
        bindings=[
            binding(consent_events(), routing_key=k) for k in topology.EXPORTS_QUEUE_BINDINGS
        ],
        durable=True,
        queue_arguments=topology.exports_queue_arguments() if rabbitmq else None,
    )


class ExportResponder(StoppableConsumer, ConsumerProducerMixin):
    """Answers `export.requested/1` until `stopping()` says so; reconnects on broker errors."""

    failure_event = "export_responder_failed"
    unreachable_event = "exports_broker_unreachable"

    def __init__(
        self, connection: Connection, transaction: MailerTransaction, stopping: Callable[[], bool]
    ) -> None:
        self.connection = connection
        self.transaction = transaction
        self.stopping = stopping
        self.rabbitmq = connection.transport.driver_type == "amqp"
        self._failures = 0

    # kombu's `should_stop` is a plain attribute; each consumer reads it from elsewhere.
    @property
    def should_stop(self) -> bool:  # type: ignore[override]
        return self.stopping()

    def get_consumers(self, consumer: Callable[..., Consumer], channel: Any) -> list[Consumer]:
        queue = exports_queue(self.rabbitmq)
        entities: tuple[Exchange | Queue, ...] = (consent_events(), mailer_reports(), queue)
        for entity in entities:
            entity.bind(channel).declare()
        return [consumer(queues=[queue], on_message=self.on_message, prefetch_count=PREFETCH)]

    def on_message(self, message: Message) -> None:
        try:
            request = _request(message.body)
        except InvalidMessage as invalid:
            log.warning(
                "export request ignored",
                extra={"event": "export_request_invalid", "reason": invalid.reason[:1000]},
            )
            message.ack()
            return
        extra = {"request_id": str(request["request_id"])}
        try:
            body = answer(self.transaction, request, datetime.now(UTC))
        except Exception:  # a database outage or a bug: retry, never die
            log.exception(
                "could not answer an export request; requeued",
                extra={"event": "export_request_retry", **extra},
            )
            message.requeue()
            self.sleep(RETRY_SECONDS[min(self._failures, len(RETRY_SECONDS) - 1)])
            self._failures += 1
            return
        self._failures = 0
        if body is None:
            log.info("export request expired", extra={"event": "export_request_expired", **extra})
            message.ack()
            return
        self.producer.publish(
            body,
            exchange=mailer_reports(),
            routing_key=topology.export_reply_key(request["request_id"]),
            serializer="json",
            delivery_mode=2,
            message_id=body["message_id"],
            declare=[mailer_reports()],
            retry=True,
            retry_policy={"max_retries": 3, "interval_start": 0.1, "interval_step": 0.2},
        )
        message.ack()
        log.info(
            "export request answered",
            extra={"event": "export_answered", "emails": len(body["emails"]), **extra},
        )


def _request(body: bytes | str) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError, TypeError):
        raise InvalidMessage("message body is not JSON") from None
    loaded = load_message(parsed)
    if loaded["schema"] != REQUESTED:
        raise InvalidMessage(f"{loaded['schema']} is not an export request")
    return loaded


def start_export_responder(
    settings: MailerSettings, transaction: MailerTransaction, stopping: Callable[[], bool]
) -> threading.Thread:
    """Answer export requests in a thread until `stopping()`; join it when stopping."""
    responder = ExportResponder(
        connect(settings.broker_url, settings.instance_dir), transaction, stopping
    )
    thread = threading.Thread(
        target=responder.run, kwargs={"safety_interval": 0.25}, name="exports", daemon=True
    )
    thread.start()
    return thread
