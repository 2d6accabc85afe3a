"""The broker as the mailer sees it: kombu objects built from the shared topology names.

Whichever transport the URL names (RabbitMQ or the embedded filesystem one), the rest of the
mailer sees the same exchanges and queues; only RabbitMQ gets quorum-queue arguments, which
embedded transports would ignore anyway.
"""

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kombu import Connection, Exchange, Queue, binding

from mailer.services.reports import ReportNotPublished
from plumbing.broker.connection import broker_connection, is_amqp
from schemas.messages.topology import (
    CONSENT_EVENTS,
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    MAILER_QUEUE,
    MAILER_QUEUE_BINDINGS,
    MAILER_REPORTS,
    REGISTRY_REPORTS_BINDINGS,
    REGISTRY_REPORTS_QUEUE,
    quorum_queue_arguments,
)

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30
REPORT_ROUTING_KEY = "mailer.run_report"
PUBLISH_TIMEOUT_SECONDS = 5.0


def connect(url: str | None, instance_dir: Path) -> Connection:
    """The broker connection, shared code with the registry (`plumbing.broker.connection`).

    On RabbitMQ with publisher confirms, so a dead-letter publish is durable before the
    original message is acked, and heartbeats, so an idle consumer notices a dead broker.
    With no URL, the embedded broker under the instance directory.
    """
    if is_amqp(url):
        return broker_connection(
            url,
            instance_dir,
            heartbeat=HEARTBEAT_SECONDS,
            transport_options={"confirm_publish": True},
        )
    return broker_connection(url, instance_dir)


def consent_events() -> Exchange:
    return Exchange(CONSENT_EVENTS, type="topic", durable=True)


def dead_letter_exchange() -> Exchange:
    return Exchange(DEAD_LETTER_EXCHANGE, type="fanout", durable=True)


def mailer_reports() -> Exchange:
    return Exchange(MAILER_REPORTS, type="topic", durable=True)


def registry_reports_queue(rabbitmq: bool) -> Queue:
    """The registry's queue of reports, declared here too (as the registry declares the
    mailer's), so that a report published before the registry first ran is not unroutable.
    Its arguments are those of the operators' definitions (`consent_service.adapters.
    rabbitmq_admin`)."""
    exchange = mailer_reports()
    return Queue(
        REGISTRY_REPORTS_QUEUE,
        bindings=[binding(exchange, routing_key=key) for key in REGISTRY_REPORTS_BINDINGS],
        durable=True,
        queue_arguments={"x-queue-type": "quorum"} if rabbitmq else None,
    )


def mailer_queue(rabbitmq: bool) -> Queue:
    """The queue every `mailer work` consumes; the registry declares it identically (0005)."""
    exchange = consent_events()
    return Queue(
        MAILER_QUEUE,
        bindings=[binding(exchange, routing_key=key) for key in MAILER_QUEUE_BINDINGS],
        durable=True,
        queue_arguments=quorum_queue_arguments() if rabbitmq else None,
    )


def dead_letter_queue() -> Queue:
    return Queue(DEAD_LETTER_QUEUE, exchange=dead_letter_exchange(), durable=True)


def declare_topology(channel: Any, rabbitmq: bool) -> None:
    """Declare the mailer's exchanges, queues and bindings; harmless when they exist.

    Run on every (re)connection: a broker that lost its definitions gets them back, and the
    embedded transport keeps exchange types in process memory, so each process must declare.
    """
    for entity in (
        consent_events(),
        dead_letter_exchange(),
        mailer_queue(rabbitmq),
        dead_letter_queue(),
        mailer_reports(),
        registry_reports_queue(rabbitmq),
    ):
        entity.bind(channel).declare()


class ReportPublisher:
    """Publishes run reports to `mailer.reports`: persistent, and confirmed on RabbitMQ.

    It has its own connection, used from the sender's thread only (kombu connections are not
    thread-safe). With no heartbeat, an idle connection is not dropped by missed heartbeats
    nobody would send; a connection that died anyway fails the next publish, which drops it,
    and the one after reconnects. Waiting for a broker that is down is bounded, so the sender
    goes on sending and the reports go later.
    """

    def __init__(self, url: str | None, instance_dir: Path) -> None:
        self.url = url
        self.instance_dir = instance_dir
        self.rabbitmq = is_amqp(url)
        self._connection: Connection | None = None

    def _connect(self) -> Connection:
        if self._connection is None:
            if self.rabbitmq:
                self._connection = broker_connection(
                    self.url,
                    self.instance_dir,
                    heartbeat=0,
                    connect_timeout=PUBLISH_TIMEOUT_SECONDS,
                    transport_options={"confirm_publish": True, "max_retries": 1},
                )
            else:
                self._connection = broker_connection(self.url, self.instance_dir)
        return self._connection

    def publish(self, report: Mapping[str, Any]) -> None:
        """Publish one report; ReportNotPublished unless the broker has it."""
        try:
            connection = self._connect()
            producer = connection.Producer(connection.default_channel)
            producer.publish(
                json.dumps(report).encode(),
                exchange=mailer_reports(),
                routing_key=REPORT_ROUTING_KEY,
                declare=[mailer_reports(), registry_reports_queue(self.rabbitmq)],
                delivery_mode=2,
                content_type="application/json",
                content_encoding="utf-8",
                message_id=str(report["message_id"]),
                confirm_timeout=PUBLISH_TIMEOUT_SECONDS,
            )
        except Exception as error:  # any failure: drop the connection, retry later
            self.close()
            raise ReportNotPublished(str(error) or type(error).__name__) from error

    def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.release()
            except Exception:  # a dead connection may fail to close
                log.debug("closing a broken broker connection failed", exc_info=True)
