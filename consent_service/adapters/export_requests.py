"""The registry's side of an export's request and reply over the broker (decision 0013).

For each export: connect; declare `consent.events`, `mailer.reports`, the mailer's
`mailer.exports` queue (so a request is queued, and expires, even before a mailer first
ran) and a temporary queue bound to `export.reply.<request_id>` on `mailer.reports`; publish
`export.requested/1`; wait for `export.mailer_part/1` until the deadline. The temporary queue
is deleted at the end, answered or not. On RabbitMQ it is exclusive and auto-deleted anyway;
on the embedded broker deleting it also removes its binding from the exchange's control file,
so an answer that comes too late is routed nowhere and leaves no file behind.

The same code path serves RabbitMQ and the embedded filesystem transport; only RabbitMQ gets
publisher confirms and the quorum queue's arguments.
"""

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kombu import Connection, Consumer, Exchange, Producer, Queue, binding
from kombu.message import Message
from sqlalchemy.orm import Session, sessionmaker

from consent_service.adapters.record_context import record_context
from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.config import Settings
from consent_service.services.export import Exporter, MailerPart, MailerPartUnavailable
from consent_service.services.receipts import Controller
from plumbing.broker.connection import broker_connection, is_amqp
from schemas.messages import InvalidMessage, load_message, topology

log = logging.getLogger(__name__)

REQUESTED = "export.requested/1"
ANSWER = "export.mailer_part/1"
EMAIL_FIELDS = ("kind", "campaign_id", "campaign_name", "run_id", "sent_at", "outcome")


def consent_events() -> Exchange:
    return Exchange(topology.CONSENT_EVENTS, type="topic", durable=True)


def mailer_reports() -> Exchange:
    return Exchange(topology.MAILER_REPORTS, type="topic", durable=True)


def exports_queue(rabbitmq: bool) -> Queue:
    """`mailer.exports`, declared exactly as the mailer and the operators' definitions do."""
    return Queue(
        topology.EXPORTS_QUEUE,
        bindings=[
            binding(consent_events(), routing_key=k) for k in topology.EXPORTS_QUEUE_BINDINGS
        ],
        durable=True,
        queue_arguments=topology.exports_queue_arguments() if rabbitmq else None,
    )


def reply_queue(request_id: uuid.UUID) -> Queue:
    key = topology.export_reply_key(request_id)
    return Queue(
        key,
        exchange=mailer_reports(),
        routing_key=key,
        durable=False,
        exclusive=True,
        auto_delete=True,
    )


def request_message(request_id: uuid.UUID, subject_id: uuid.UUID, reply_by: datetime) -> dict:
    body = {
        "schema": REQUESTED,
        "message_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "request_id": str(request_id),
        "subject_id": str(subject_id),
        "reply_by": reply_by.isoformat(),
    }
    load_message(body)  # never publish what the mailer would refuse
    return body


class MailerPartClient:
    """Asks the mailer for its part of an export; one short-lived connection per export."""

    def __init__(self, url: str | None, instance_dir: Path, timeout: float) -> None:
        self.url = url
        self.instance_dir = instance_dir
        self.timeout = timeout
        self.rabbitmq = is_amqp(url)

    def emails_of(self, subject_id: uuid.UUID) -> list[dict[str, Any]]:
        """The mailer's emails to this person; MailerPartUnavailable after `timeout` seconds
        without an answer, or at once when the broker cannot be reached."""
        request_id = uuid.uuid4()
        started = time.monotonic()
        try:
            emails = self._ask(request_id, subject_id, started + self.timeout)
        except MailerPartUnavailable as error:
            log.warning(
                "the mailer's part of an export is unavailable",
                extra={
                    "event": "export_mailer_unavailable",
                    "request_id": str(request_id),
                    "reason": str(error),
                },
            )
            raise
        except Exception as error:  # the broker is down or refused us: same answer, retry
            log.warning(
                "the mailer's part of an export is unavailable",
                extra={
                    "event": "export_mailer_unavailable",
                    "request_id": str(request_id),
                    "reason": f"{type(error).__name__}: {error}",
                },
            )
            raise MailerPartUnavailable("the broker could not be reached") from error
        log.info(
            "mailer part received",
            extra={
                "event": "export_mailer_part",
                "request_id": str(request_id),
                "emails": len(emails),
                "seconds": round(time.monotonic() - started, 3),
            },
        )
        return emails

    def _connection(self) -> Connection:
        if self.rabbitmq:
            return broker_connection(
                self.url,
                self.instance_dir,
                connect_timeout=min(self.timeout, 5.0),
                heartbeat=0,
                transport_options={"confirm_publish": True},
            )
        return broker_connection(self.url, self.instance_dir)

    def _ask(
        self, request_id: uuid.UUID, subject_id: uuid.UUID, deadline: float
    ) -> list[dict[str, Any]]:
        reply_by = datetime.now(UTC) + timedelta(seconds=max(deadline - time.monotonic(), 0))
        answers: list[list[dict[str, Any]]] = []

        def on_message(message: Message) -> None:
            emails = _answer(message.payload, request_id, subject_id)
            message.ack()
            if emails is not None:
                answers.append(emails)

        with self._connection() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=self.timeout)
            channel = connection.channel()
            for entity in (consent_events(), mailer_reports(), exports_queue(self.rabbitmq)):
                entity(channel).declare()
            replies = reply_queue(request_id)(channel)
            replies.declare()
            consumer = Consumer(channel, [replies], on_message=on_message, accept=["json"])
            consumer.consume()
            try:
                Producer(channel).publish(
                    request_message(request_id, subject_id, reply_by),
                    exchange=consent_events(),
                    routing_key=topology.EXPORT_REQUESTED,
                    serializer="json",
                    delivery_mode=2,
                    expiration=self.timeout,
                    retry=False,
                )
                while not answers:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise MailerPartUnavailable(f"no answer within {self.timeout:g} s")
                    try:
                        connection.drain_events(timeout=remaining)
                    except TimeoutError:
                        continue
                return answers[0]
            finally:
                _remove(consumer, replies)


def _answer(
    payload: Any, request_id: uuid.UUID, subject_id: uuid.UUID
) -> list[dict[str, Any]] | None:
    """The emails of a valid answer to this very request; None for anything else."""
    try:
        loaded = load_message(payload)
    except InvalidMessage as invalid:
        log.warning(
            "an invalid answer to an export request was ignored",
            extra={"event": "export_answer_invalid", "reason": invalid.reason[:1000]},
        )
        return None
    if (
        loaded["schema"] != ANSWER
        or loaded["request_id"] != request_id
        or loaded["subject_id"] != subject_id
    ):
        return None
    return [{field: email[field] for field in EMAIL_FIELDS} for email in payload["emails"]]


def _remove(consumer: Consumer, queue: Queue) -> None:
    """Cancel, then delete: RabbitMQ cancels a consumer whose queue is deleted under it, and
    py-amqp then fails to close the connection cleanly (the socket would be left open)."""
    try:
        consumer.cancel()
        queue.delete()
    except Exception:  # a broken connection: RabbitMQ drops the exclusive queue by itself
        log.debug("removing an export reply queue failed", exc_info=True)


def exporter_for(
    settings: Settings, sessions: sessionmaker[Session], mailer: MailerPart | None = None
) -> Exporter:
    """The exporter every entry point uses: the configured shop, and the mailer over the
    configured broker (or `mailer`, for a test)."""
    controller = Controller(
        settings.branding.name, settings.contacts.controller, settings.public_base_url
    )
    if mailer is None:
        mailer = MailerPartClient(
            settings.broker_url, settings.instance_dir, settings.export_timeout
        )
    return Exporter(SqlUnitOfWork(sessions), controller, record_context(settings), mailer)
