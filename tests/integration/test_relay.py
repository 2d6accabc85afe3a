"""The relay against the real RabbitMQ and the embedded broker: confirms, mandatory, outages."""

import json
from pathlib import Path

import pika
import pytest
from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.adapters.broker import Publisher
from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.relay.outbox_publishing import relay_batch
from consent_service.services.ports.outbox import PublishError
from plumbing.broker.connection import embedded_broker
from schemas.messages import load_message, topology
from tests.factories import consent_body


def write_consents(client, writer, count: int) -> None:
    for _ in range(count):
        # Two changes and nothing pending: two messages, no confirmation request.
        body = consent_body(purposes={"promotions": False, "personalization": True})
        assert client.post("/v1/consents", json=body, headers=writer).status_code == 201


def drain_queue(url: str, queue: str) -> list[tuple[pika.BasicProperties, dict]]:
    """Read a queue with pika, an AMQP client independent of the code under test."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    found = []
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            break
        found.append((properties, json.loads(body)))
    connection.close()
    return found


def unsent(app) -> int:
    with app.extensions["consent.sessions"]() as session:
        query = select(orm.OutboxMessage).where(orm.OutboxMessage.sent_at.is_(None))
        return len(session.scalars(query).all())


def test_relay_publishes_every_outbox_message_persistently_and_marks_it_sent(
    app, client, writer, rabbitmq_url, settings
) -> None:
    write_consents(client, writer, 30)
    publisher = Publisher(rabbitmq_url, settings.instance_dir)
    uow = SqlUnitOfWork(app.extensions["consent.sessions"])
    assert relay_batch(uow, publisher, batch_size=25) == 25
    assert relay_batch(uow, publisher, batch_size=25) == 25
    assert relay_batch(uow, publisher, batch_size=25) == 10
    assert relay_batch(uow, publisher, batch_size=25) == 0
    publisher.close()
    assert unsent(app) == 0
    delivered = drain_queue(rabbitmq_url, topology.MAILER_QUEUE)
    assert len(delivered) == 60
    for properties, body in delivered:
        assert properties.delivery_mode == 2
        assert properties.message_id == body["message_id"]
        assert load_message(body)["schema"] == "consent.changed/1"
    versions: dict[str, list[int]] = {}
    for _, body in delivered:
        versions.setdefault(body["subject_id"], []).append(body["version"])
    assert all(seen == sorted(seen) for seen in versions.values())


def test_an_unroutable_message_is_returned_and_stays_in_the_outbox(
    app, client, writer, rabbitmq_url, settings
) -> None:
    write_consents(client, writer, 1)
    publisher = Publisher(rabbitmq_url, settings.instance_dir)
    publisher._open()  # declares the topology; then an operator deletes the mailer's queue
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    connection.channel().queue_delete(topology.MAILER_QUEUE)
    connection.close()
    uow = SqlUnitOfWork(app.extensions["consent.sessions"])
    assert relay_batch(uow, publisher, batch_size=10) == 0
    assert unsent(app) == 2
    publisher.reset()  # a fresh connection declares the queue again
    assert relay_batch(uow, publisher, batch_size=10) == 2
    publisher.close()


def test_with_the_broker_unreachable_publishing_fails_and_the_outbox_keeps_everything(
    app, client, writer, settings
) -> None:
    write_consents(client, writer, 2)
    publisher = Publisher("amqp://guest:guest@127.0.0.1:1//", settings.instance_dir)
    with pytest.raises(PublishError):
        relay_batch(SqlUnitOfWork(app.extensions["consent.sessions"]), publisher, batch_size=10)
    assert unsent(app) == 4


def test_the_embedded_broker_receives_every_message_as_a_file(
    app, client, writer, settings
) -> None:
    write_consents(client, writer, 3)
    publisher = Publisher(None, settings.instance_dir)
    _, options = embedded_broker(str(settings.instance_dir))
    assert (
        relay_batch(SqlUnitOfWork(app.extensions["consent.sessions"]), publisher, batch_size=100)
        == 6
    )
    files = list(Path(options["data_folder_in"]).glob(f"*{topology.MAILER_QUEUE}.msg"))
    assert len(files) == 6
    assert unsent(app) == 0
