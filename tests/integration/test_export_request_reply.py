"""The mailer's part of an export over the broker: the registry asks, `mailer work`'s
responder answers from the send ledger; on the embedded broker and on RabbitMQ alike."""

import json
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from kombu import Producer
from sqlalchemy import insert

from consent_service.adapters.export_requests import (
    MailerPartClient,
    consent_events,
    exports_queue,
    request_message,
)
from consent_service.services.export import MailerPartUnavailable
from mailer.adapters import orm
from mailer.adapters import schema as mailer_schema
from mailer.adapters.broker import connect
from mailer.adapters.export_responder import ExportResponder
from mailer.adapters.repository import MailerTransaction, transaction
from plumbing.broker.connection import broker_connection
from plumbing.db import make_engine, session_factory
from schemas.messages import topology

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["embedded", "rabbitmq"])
def broker_url(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "embedded" else request.getfixturevalue("rabbitmq_url")


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


@pytest.fixture
def mailer_db(tmp_path: Path) -> Iterator[MailerTransaction]:
    url = f"sqlite:///{tmp_path / 'mailer.db'}"
    mailer_schema.upgrade(url)
    engine = make_engine(url)
    yield partial(transaction, session_factory(engine))
    engine.dispose()


@contextmanager
def responding(
    broker_url: str | None, instance: Path, mailer_db: MailerTransaction
) -> Iterator[None]:
    """`mailer work`'s export responder in a thread, stopped (and checked) at the end."""
    stop = [False]
    responder = ExportResponder(connect(broker_url, instance), mailer_db, lambda: stop[0])
    thread = threading.Thread(target=responder.run, kwargs={"safety_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop[0] = True
        thread.join(timeout=10)
        assert not thread.is_alive(), "the responder did not stop"


def seed(mailer_db: MailerTransaction, subject_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """Four runs reached this person (sent, failed, skipped, in flight), one reached someone
    else; one confirmation email was sent to them and another is still queued."""
    runs = {name: uuid.uuid4() for name in ("sent", "failed", "skipped", "claimed", "other")}
    campaign = uuid.uuid4()
    rows = {
        "sent": (subject_id, "sent", T0, T0 + timedelta(seconds=3)),
        "failed": (subject_id, "failed", T0 + timedelta(days=1), T0 + timedelta(days=1, seconds=2)),
        "skipped": (subject_id, "skipped_withdrawn", None, None),
        "claimed": (subject_id, "claimed", T0 + timedelta(days=2), None),
        "other": (uuid.uuid4(), "sent", T0, T0 + timedelta(seconds=1)),
    }
    with mailer_db() as store:
        for name, run_id in runs.items():
            store.session.execute(
                insert(orm.Run).values(
                    run_id=run_id,
                    campaign_id=campaign,
                    campaign_name=f"Weekly news ({name})",
                    purpose="newsletters",
                    default_locale="ky",
                    content={},
                    status="completed",
                    created_at=T0,
                )
            )
            person, state, claimed, finished = rows[name]
            store.session.execute(
                insert(orm.Delivery).values(
                    run_id=run_id,
                    subject_id=person,
                    batch_no=0,
                    state=state,
                    claimed_at=claimed,
                    finished_at=finished,
                )
            )
        for state, finished in (("sent", T0 - timedelta(hours=1)), ("queued", None)):
            store.session.execute(
                insert(orm.Confirmation).values(
                    message_id=uuid.uuid4(),
                    subject_id=subject_id,
                    address=None,
                    locale="ky",
                    confirm_url="https://shop.kg/confirm/x",
                    purposes=["newsletters"],
                    state=state,
                    created_at=T0 - timedelta(hours=1),
                    finished_at=finished,
                )
            )
    return runs | {"campaign": campaign}


def test_the_mailer_answers_with_every_email_it_sent_the_person(
    broker_url, instance, mailer_db
) -> None:
    subject_id = uuid.uuid4()
    ids = seed(mailer_db, subject_id)
    with responding(broker_url, instance, mailer_db):
        emails = MailerPartClient(broker_url, instance, timeout=10).emails_of(subject_id)
    campaign = str(ids["campaign"])
    assert emails == [
        {
            "kind": "confirmation",
            "campaign_id": None,
            "campaign_name": None,
            "run_id": None,
            "sent_at": (T0 - timedelta(hours=1)).isoformat(),
            "outcome": "sent",
        },
        {
            "kind": "campaign",
            "campaign_id": campaign,
            "campaign_name": "Weekly news (sent)",
            "run_id": str(ids["sent"]),
            "sent_at": (T0 + timedelta(seconds=3)).isoformat(),
            "outcome": "sent",
        },
        {
            "kind": "campaign",
            "campaign_id": campaign,
            "campaign_name": "Weekly news (failed)",
            "run_id": str(ids["failed"]),
            "sent_at": (T0 + timedelta(days=1, seconds=2)).isoformat(),
            "outcome": "failed",
        },
        {
            "kind": "campaign",
            "campaign_id": campaign,
            "campaign_name": "Weekly news (claimed)",
            "run_id": str(ids["claimed"]),
            "sent_at": (T0 + timedelta(days=2)).isoformat(),
            "outcome": "unknown",
        },
    ]


def test_a_person_the_mailer_never_wrote_to_gets_an_empty_list(
    broker_url, instance, mailer_db
) -> None:
    with responding(broker_url, instance, mailer_db):
        assert MailerPartClient(broker_url, instance, timeout=10).emails_of(uuid.uuid4()) == []


def test_without_a_mailer_the_registry_gives_up_at_the_timeout(broker_url, instance) -> None:
    started = time.monotonic()
    with pytest.raises(MailerPartUnavailable):
        MailerPartClient(broker_url, instance, timeout=1).emails_of(uuid.uuid4())
    assert 1 <= time.monotonic() - started < 3


def test_an_unreachable_broker_is_unavailable_at_once(instance) -> None:
    client = MailerPartClient("amqp://guest:guest@127.0.0.1:1//", instance, timeout=10)
    started = time.monotonic()
    with pytest.raises(MailerPartUnavailable):
        client.emails_of(uuid.uuid4())
    assert time.monotonic() - started < 5


def reply_queues(broker_url: str | None, instance: Path) -> list[str]:
    """Temporary reply queues that still exist (embedded: bindings and message files)."""
    if broker_url is None:
        control = instance / "broker" / "control" / f"{topology.MAILER_REPORTS}.exchange"
        bound = json.loads(control.read_text()) if control.exists() else []
        files = os.listdir(instance / "broker" / "messages")
        return [q for _, _, q in bound if "export.reply" in q] + [
            f for f in files if "export.reply" in f
        ]
    vhost = broker_url.rsplit("/", 1)[1]
    listed = subprocess.run(
        ["rabbitmqctl", "list_queues", "-q", "-p", vhost, "name"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [line for line in listed.stdout.split() if line.startswith("export.reply")]


def test_a_mailer_that_comes_after_the_timeout_answers_nothing_and_nothing_is_left(
    broker_url, instance, mailer_db
) -> None:
    subject_id = uuid.uuid4()
    seed(mailer_db, subject_id)
    with pytest.raises(MailerPartUnavailable):
        MailerPartClient(broker_url, instance, timeout=1).emails_of(subject_id)
    assert reply_queues(broker_url, instance) == []
    with responding(broker_url, instance, mailer_db):
        # the stale request is taken and dropped; a fresh one is answered
        assert len(MailerPartClient(broker_url, instance, timeout=10).emails_of(subject_id)) == 4
    assert reply_queues(broker_url, instance) == []


def test_a_request_the_mailer_cannot_read_is_dropped_and_answering_goes_on(
    broker_url, instance, mailer_db
) -> None:
    expired = request_message(uuid.uuid4(), uuid.uuid4(), datetime.now(UTC) - timedelta(1))
    with broker_connection(broker_url, instance) as connection:
        channel = connection.channel()
        exports_queue(broker_url is not None)(channel).declare()
        producer = Producer(channel)
        for body in (b"not json", json.dumps({"schema": "export.requested/1"}).encode()):
            producer.publish(
                body,
                exchange=consent_events(),
                routing_key=topology.EXPORT_REQUESTED,
                content_type="application/json",
                content_encoding="utf-8",
            )
        producer.publish(
            expired,
            exchange=consent_events(),
            routing_key=topology.EXPORT_REQUESTED,
            serializer="json",
        )
    with responding(broker_url, instance, mailer_db):
        assert MailerPartClient(broker_url, instance, timeout=10).emails_of(uuid.uuid4()) == []
