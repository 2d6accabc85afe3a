"""The registry's side of the broker: topology and confirmed publishing, behind one interface.

RabbitMQ (`amqp://`) gets publisher confirms pipelined over a batch: every message of the
batch is sent, then the acks are awaited together, so a batch costs one round trip rather than
one per message. `mandatory` makes RabbitMQ hand back a message that no queue would take, and
such a message counts as not published. The embedded filesystem transport writes each message
to a file before `publish` returns, which is its confirmation.
"""

import json
import logging
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import amqp
from kombu import Exchange, Producer, Queue

from consent_service.services.ports.outbox import OutgoingMessage, PublishError
from plumbing.broker.connection import broker_connection, embedded_broker, is_amqp
from plumbing.files import write_private
from schemas.messages import topology

log = logging.getLogger(__name__)


def consent_events_exchange() -> Exchange:
    return Exchange(topology.CONSENT_EVENTS, type="topic", durable=True)


def mailer_reports_exchange() -> Exchange:
    return Exchange(topology.MAILER_REPORTS, type="topic", durable=True)


def mailer_queues(amqp: bool) -> list[Queue]:
    """The mailer's queue, declared by the registry too, so no event is ever unroutable."""
    exchange = consent_events_exchange()
    arguments = topology.quorum_queue_arguments() if amqp else None
    return [
        Queue(
            topology.MAILER_QUEUE,
            exchange=exchange,
            routing_key=key,
            durable=True,
            queue_arguments=arguments,
        )
        for key in topology.MAILER_QUEUE_BINDINGS
    ]


def dead_letter_queue() -> Queue:
    exchange = Exchange(topology.DEAD_LETTER_EXCHANGE, type="fanout", durable=True)
    return Queue(topology.DEAD_LETTER_QUEUE, exchange=exchange, durable=True)


class Publisher:
    """Publishes batches of outbox messages and says which ones the broker confirmed."""

    def __init__(self, url: str | None, instance_dir: Path, confirm_timeout: float = 10) -> None:
        self.amqp = is_amqp(url)
        self.confirm_timeout = confirm_timeout
        self.connection = broker_connection(url, instance_dir, heartbeat=0)
        self._channel: Any = None
        self._producer: Producer | None = None
        self._next_tag = 1
        self._pending: set[int] = set()
        self._acked: set[int] = set()
        self._returned: set[str] = set()

    def _open(self) -> Producer:
        if self._producer is not None:
            return self._producer
        self.connection.ensure_connection(max_retries=1)
        channel = self.connection.channel()
        declare_topology(channel, self.amqp)
        if self.amqp:
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.events["basic_return"].add(self._on_return)
            self._next_tag = 1
        self._channel = channel
        self._producer = Producer(channel, exchange=consent_events_exchange(), serializer="json")
        return self._producer

    def _on_ack(self, tag: int, multiple: bool) -> None:
        self._acked |= self._settled(tag, multiple)

    def _on_nack(self, tag: int, multiple: bool) -> None:
        self._settled(tag, multiple)  # settled, but not acked: the row stays in the outbox

    def _settled(self, tag: int, multiple: bool) -> set[int]:
        """Tags an ack or nack covers; `multiple` covers every outstanding tag up to it."""
        settled = {t for t in self._pending if t <= tag} if multiple else {tag} & self._pending
        self._pending -= settled
        return settled

    def _on_return(self, exc: Exception, exchange: str, routing_key: str, message: Any) -> None:
        returned = message.properties.get("message_id")
        log.warning(
            "broker returned an unroutable message",
            extra={"event": "message_returned", "routing_key": routing_key, "message_id": returned},
        )
        if returned:
            self._returned.add(returned)

    def publish(self, messages: Sequence[OutgoingMessage]) -> list[str]:
        """Publish persistently; return the ids the broker confirmed, in order."""
        try:
            producer = self._open()
            if not self.amqp:
                for message in messages:
                    producer.publish(
                        message.body,
                        routing_key=message.routing_key,
                        delivery_mode=2,
                        message_id=message.message_id,
                        retry=False,
                    )
                return [message.message_id for message in messages]
            return self._publish_confirmed(messages)
        except PublishError:
            self.reset()
            raise
        except Exception as error:
            self.reset()
            raise PublishError(f"{type(error).__name__}: {error}") from error

    def _publish_confirmed(self, messages: Sequence[OutgoingMessage]) -> list[str]:
        """Straight onto py-amqp's channel: kombu's Producer costs more per message than the
        frame itself, and the relay publishes already-validated JSON of a known shape."""
        tags: list[tuple[int, str]] = []
        for message in messages:
            frame = amqp.Message(
                json.dumps(message.body, separators=(",", ":")),
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=message.message_id,
            )
            amqp.Channel.basic_publish(
                self._channel,
                frame,
                exchange=topology.CONSENT_EVENTS,
                routing_key=message.routing_key,
                mandatory=True,
            )
            tags.append((self._next_tag, message.message_id))
            self._pending.add(self._next_tag)
            self._next_tag += 1
        self._await_confirms()
        confirmed = [
            message_id
            for tag, message_id in tags
            if tag in self._acked and message_id not in self._returned
        ]
        self._acked.clear()
        self._returned.clear()
        return confirmed

    def _await_confirms(self) -> None:
        deadline = time.monotonic() + self.confirm_timeout
        while self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishError("timed out waiting for publisher confirms")
            self.connection.drain_events(timeout=remaining)

    def reset(self) -> None:
        """Drop the connection; the next publish reconnects and redeclares."""
        try:
            self.connection.release()
        except Exception:  # a dead connection may fail to close; it is gone anyway
            log.debug("closing a broken broker connection failed", exc_info=True)
        self.connection = self.connection.clone()
        self._channel = self._producer = None
        self._pending.clear()
        self._acked.clear()
        self._returned.clear()

    def close(self) -> None:
        self.connection.release()


def declare_topology(channel: Any, amqp: bool) -> None:
    """Exchanges and the mailer's queues; idempotent, run by every process at start-up."""
    consent_events_exchange()(channel).declare()
    mailer_reports_exchange()(channel).declare()
    dead_letter_queue()(channel).declare()
    for queue in mailer_queues(amqp):
        queue(channel).declare()


BROKER_OK = "ok"
BROKER_UNREACHABLE = "unreachable"
PROBE_ROUTING_KEY = "readiness.probe"
"""Bound by no queue (the mailer's keys are consent.#, subject.#, optin.#, campaign.#, export.#):
a probe is routed nowhere and dropped, yet RabbitMQ checks the publisher's write permission
on the exchange and confirms it like any message."""


def broker_state(url: str | None, instance_dir: Path, timeout: float = 2.0) -> str:
    """`ok` when a message published to `consent.events` is confirmed now, `unreachable` when
    no connection opens, `publish refused: ...` when one opens but publishing fails (the
    vhost's permissions deny writing to the exchange, the exchange is missing).

    On RabbitMQ the probe is a real confirmed publish (docs/decisions/0020); on the embedded
    broker, publishing is writing a file into its message folder, so the probe writes and
    removes a hidden one (consumers skip hidden names).
    """
    if not is_amqp(url):
        return _embedded_state(Path(instance_dir))
    connection = broker_connection(url, instance_dir, connect_timeout=timeout)
    try:
        try:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        except Exception:  # noqa: BLE001 - any failure to connect means "unreachable"
            return BROKER_UNREACHABLE
        try:
            channel = connection.channel()
            channel.basic_publish_confirm(
                amqp.Message(b"", delivery_mode=1),
                exchange=topology.CONSENT_EVENTS,
                routing_key=PROBE_ROUTING_KEY,
                confirm_timeout=timeout,
            )
        except Exception as error:  # noqa: BLE001 - every refusal is reported, not raised
            return f"publish refused: {type(error).__name__}: {error}"
        return BROKER_OK
    finally:
        connection.release()


def _embedded_state(instance_dir: Path) -> str:
    _url, options = embedded_broker(str(instance_dir))
    probe = Path(options["data_folder_out"]) / f".readiness-{uuid.uuid4().hex}.tmp"
    try:
        broker_connection(None, instance_dir).release()  # creates the folders if need be
        write_private(probe, b"")
        probe.unlink()
    except OSError as error:
        return f"publish refused: {type(error).__name__}: {error}"
    return BROKER_OK
