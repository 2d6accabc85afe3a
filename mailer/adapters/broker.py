"""The broker as the mailer sees it: kombu objects built from the shared topology names.

Whichever transport the URL names (RabbitMQ or the embedded filesystem one), the rest of the
mailer sees the same exchanges and queues; only RabbitMQ gets quorum-queue arguments, which
embedded transports would ignore anyway.
"""

from pathlib import Path
from typing import Any

from kombu import Connection, Exchange, Queue, binding

from schemas.messages.connection import broker_connection, is_amqp
from schemas.messages.topology import (
    CONSENT_EVENTS,
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    MAILER_QUEUE,
    MAILER_QUEUE_BINDINGS,
    quorum_queue_arguments,
)

HEARTBEAT_SECONDS = 30


def connect(url: str | None, instance_dir: Path) -> Connection:
    """The broker connection, shared code with the registry (`schemas.messages.connection`).

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
    ):
        entity.bind(channel).declare()
