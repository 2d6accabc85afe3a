"""Driving the consumer in tests: publish like the relay, run it in a thread, read dead letters."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kombu import Connection

from mailer.adapters.broker import consent_events, dead_letter_queue, declare_topology
from mailer.adapters.consumer import EventConsumer


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll until `predicate` returns something truthy; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)
    return result


def publish(
    connection: Connection, *bodies: dict[str, Any] | bytes, routing_key: str | None = None
) -> None:
    """Publish to `consent.events` as the relay does; bytes are sent as they are.

    The routing key is the schema's first word (`consent.test`) unless one is given.
    """
    with connection.clone() as conn:
        channel = conn.channel()
        declare_topology(channel, conn.transport.driver_type == "amqp")
        producer = conn.Producer(channel)
        for body in bodies:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            schema = "consent.broken" if isinstance(body, bytes) else body["schema"]
            producer.publish(
                payload,
                exchange=consent_events(),
                routing_key=routing_key or f"{schema.split('.')[0]}.test",
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
            )
        channel.close()


def dead_letters(connection: Connection, expected: int) -> list[Any]:
    """Take `expected` messages off the dead-letter queue, waiting for them to arrive."""
    taken: list[Any] = []
    with connection.clone() as conn:
        queue = dead_letter_queue()(conn.channel())

        def take() -> bool:
            message = queue.get(no_ack=True)
            if message is not None:
                taken.append(message)
            return len(taken) >= expected

        wait_until(take)
    return taken


@contextmanager
def running(consumer: EventConsumer) -> Iterator[EventConsumer]:
    """The consumer in a thread, stopped (and checked to have stopped) at the end."""
    thread = threading.Thread(target=consumer.run, kwargs={"safety_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield consumer
    finally:
        consumer.stop()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the consumer did not stop"
