"""Operator commands on a real RabbitMQ, with pika: export, apply and check the topology.

The runtime uses kombu, whose one API also drives the embedded broker. These commands only
ever talk to RabbitMQ and want its exact answers (a passive declare that fails with 404 or
406 says precisely what is missing or different), which pika's plain blocking client gives
without kombu's retrying and caching in between.
"""

from typing import Any

import pika
import pika.exceptions

from schemas.messages import topology

VHOST_PLACEHOLDER = "/"


def definitions(vhost: str = VHOST_PLACEHOLDER) -> dict[str, Any]:
    """The topology as a RabbitMQ definitions document (importable with `rabbitmqctl
    import_definitions` or the management UI)."""
    exchanges = [
        (topology.CONSENT_EVENTS, "topic"),
        (topology.MAILER_REPORTS, "topic"),
        (topology.DEAD_LETTER_EXCHANGE, "fanout"),
    ]
    queues = [
        (topology.MAILER_QUEUE, topology.quorum_queue_arguments()),
        (topology.DEAD_LETTER_QUEUE, {}),
        (topology.REGISTRY_REPORTS_QUEUE, {"x-queue-type": "quorum"}),
        (topology.EXPORTS_QUEUE, topology.exports_queue_arguments()),
    ]
    bindings = [
        *(
            (topology.CONSENT_EVENTS, topology.MAILER_QUEUE, key)
            for key in topology.MAILER_QUEUE_BINDINGS
        ),
        (topology.DEAD_LETTER_EXCHANGE, topology.DEAD_LETTER_QUEUE, ""),
        *(
            (topology.MAILER_REPORTS, topology.REGISTRY_REPORTS_QUEUE, key)
            for key in topology.REGISTRY_REPORTS_BINDINGS
        ),
        *(
            (topology.CONSENT_EVENTS, topology.EXPORTS_QUEUE, key)
            for key in topology.EXPORTS_QUEUE_BINDINGS
        ),
    ]
    return {
        "exchanges": [
            {
                "name": name,
                "vhost": vhost,
                "type": kind,
                "durable": True,
                "auto_delete": False,
                "internal": False,
                "arguments": {},
            }
            for name, kind in exchanges
        ],
        "queues": [
            {"name": name, "vhost": vhost, "durable": True, "auto_delete": False, "arguments": args}
            for name, args in queues
        ],
        "bindings": [
            {
                "source": source,
                "vhost": vhost,
                "destination": destination,
                "destination_type": "queue",
                "routing_key": key,
                "arguments": {},
            }
            for source, destination, key in bindings
        ],
    }


def apply(url: str) -> None:
    """Declare everything (idempotent; fails if something exists with other arguments)."""
    document = definitions()
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        for exchange in document["exchanges"]:
            channel.exchange_declare(exchange["name"], exchange["type"], durable=True)
        for queue in document["queues"]:
            channel.queue_declare(queue["name"], durable=True, arguments=queue["arguments"])
        for binding in document["bindings"]:
            channel.queue_bind(binding["destination"], binding["source"], binding["routing_key"])
    finally:
        connection.close()


def check(url: str) -> list[str]:
    """What is missing: each exchange and queue is declared passively on its own channel."""
    document = definitions()
    problems = []
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        for exchange in document["exchanges"]:
            try:
                connection.channel().exchange_declare(exchange["name"], passive=True)
            except pika.exceptions.ChannelClosedByBroker as error:
                problems.append(f"exchange {exchange['name']}: {error.reply_text}")
        for queue in document["queues"]:
            try:
                connection.channel().queue_declare(queue["name"], passive=True)
            except pika.exceptions.ChannelClosedByBroker as error:
                problems.append(f"queue {queue['name']}: {error.reply_text}")
    finally:
        connection.close()
    return problems
