"""The relay's second job: the mailer's run reports, from `registry.mailer-reports` into the runs.

One report, one transaction, then the ack: a relay that dies between the two gets the report
again, and applying it again changes nothing because only a newer `sequence` is applied
(domain/campaigns.py). A report that can never be applied (not JSON, not a known message, a
run this registry does not know) is acked and logged rather than retried forever; a report
that failed for a passing reason (the database is down) is requeued after a pause.

On RabbitMQ the queue is a quorum queue declared with exactly the arguments of the operators'
definitions (`rabbitmq_admin.definitions`), since RabbitMQ refuses a redeclaration that
differs; on the embedded broker the same code consumes the same queue from files.
"""

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kombu import Connection, Consumer, Queue, binding
from kombu.message import Message
from sqlalchemy.orm import Session, sessionmaker

from consent_service.adapters.broker import mailer_reports_exchange
from consent_service.adapters.repository import SqlRepository
from consent_service.config import Settings
from consent_service.services.campaigns import ReportOutcome, apply_report
from plumbing.broker.connection import broker_connection, is_amqp
from plumbing.broker.consuming import StoppableConsumer
from schemas.messages import InvalidMessage, load_message, topology

log = logging.getLogger(__name__)

RUN_REPORTS = ("mailer.run_report/1", "mailer.run_report/2")
"""`/1` from a mailer older than the counts per locale, `/2` from a newer one (decision 0035):
the relay reads both so that it can be upgraded before the mailers."""
REPORTS_QUEUE_ARGUMENTS = {"x-queue-type": "quorum"}
PREFETCH = 20
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


def reports_queue(rabbitmq: bool) -> Queue:
    exchange = mailer_reports_exchange()
    return Queue(
        topology.REGISTRY_REPORTS_QUEUE,
        bindings=[binding(exchange, routing_key=key) for key in topology.REGISTRY_REPORTS_BINDINGS],
        durable=True,
        queue_arguments=dict(REPORTS_QUEUE_ARGUMENTS) if rabbitmq else None,
    )


class ReportConsumer(StoppableConsumer):
    """Consumes run reports until `stopping()` says so; kombu reconnects on broker errors."""

    failure_event = "reports_consumer_failed"
    unreachable_event = "reports_broker_unreachable"

    def __init__(
        self,
        connection: Connection,
        sessions: sessionmaker[Session],
        stopping: Callable[[], bool],
    ) -> None:
        self.connection = connection
        self.sessions = sessions
        self.stopping = stopping
        self.rabbitmq = connection.transport.driver_type == "amqp"
        self._failures = 0

    # kombu's `should_stop` is a plain attribute; each consumer reads it from elsewhere.
    @property
    def should_stop(self) -> bool:  # type: ignore[override]
        return self.stopping()

    def get_consumers(self, consumer: Callable[..., Consumer], channel: Any) -> list[Consumer]:
        queue = reports_queue(self.rabbitmq)
        queue(channel).declare()
        return [consumer(queues=[queue], on_message=self.on_message, prefetch_count=PREFETCH)]

    def on_message(self, message: Message) -> None:
        try:
            report = _report(message.body)
        except InvalidMessage as invalid:
            log.warning(
                "report ignored: not a run report",
                extra={"event": "report_invalid", "reason": invalid.reason[:1000]},
            )
            message.ack()
            return
        try:
            with self.sessions() as session, session.begin():
                outcome = apply_report(SqlRepository(session).campaigns, report, datetime.now(UTC))
        except Exception:  # a database outage or a bug: retry, never die
            log.exception("could not apply a run report; requeued", extra={"event": "report_retry"})
            message.requeue()
            self.sleep(RETRY_SECONDS[min(self._failures, len(RETRY_SECONDS) - 1)])
            self._failures += 1
            return
        message.ack()
        self._failures = 0
        extra = {
            "event": f"report_{outcome.value}",
            "run_id": str(report["run_id"]),
            "sequence": report["sequence"],
        }
        if outcome is ReportOutcome.UNKNOWN_RUN:
            log.warning("report of an unknown run ignored", extra=extra)
        else:
            log.info("run report taken", extra=extra | {"status": report["status"]})


def _report(body: bytes | str) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError, TypeError):
        raise InvalidMessage("message body is not JSON") from None
    loaded = load_message(parsed)
    if loaded["schema"] not in RUN_REPORTS:
        raise InvalidMessage(f"{loaded['schema']} is not a run report")
    return loaded


def start_report_intake(
    settings: Settings, sessions: sessionmaker[Session], stop: Callable[[], bool]
) -> threading.Thread:
    """Take run reports in a thread of the relay until `stop()` says so."""
    options = {"heartbeat": 30} if is_amqp(settings.broker_url) else {}
    connection = broker_connection(settings.broker_url, settings.instance_dir, **options)
    consumer = ReportConsumer(connection, sessions, stop)
    thread = threading.Thread(
        target=consumer.run, kwargs={"safety_interval": 0.25}, name="reports", daemon=True
    )
    thread.start()
    return thread
