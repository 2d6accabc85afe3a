"""What the mailer keeps of a person after their erasure: ids and counts, never an address.

By the `subject.erased` event and by catch-up alike: the view row goes, the confirmation
emails go, and the send ledger keeps its rows (a run's counts still add up) without their
reasons, which may quote a mail server naming the address. Dead letters about the person go
too, on RabbitMQ and on the embedded broker, while everyone else's stay.
"""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kombu import Connection
from sqlalchemy import insert, select

from mailer.adapters import orm
from mailer.adapters.broker import connect, dead_letter_queue
from mailer.adapters.consumer import EventConsumer
from mailer.domain import recipients
from mailer.domain.events import Snapshot
from mailer.services.apply import apply_message
from schemas.messages import load_message
from tests.leftovers import tables_holding
from tests.mailer import factories
from tests.mailer.brokers import publish, running, wait_until

ADDRESS = "aigul.erased@example.kg"


def held_person(unit_of_work, mailer_database_url: str) -> tuple[uuid.UUID, uuid.UUID]:
    """A recipient with a queued confirmation email and a failed delivery quoting them."""
    subject_id, run_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    with unit_of_work() as store:
        apply_message(store, load_message(factories.consent_changed(subject_id, 1, email=ADDRESS)))
        apply_message(
            store, load_message(factories.confirmation_requested(subject_id, 1, email=ADDRESS))
        )
        store.session.execute(
            insert(orm.Run).values(
                run_id=run_id,
                campaign_id=uuid.uuid4(),
                campaign_name="News",
                purpose="newsletters",
                default_locale="ky",
                content={},
                status="completed",
                created_at=now,
            )
        )
        store.session.execute(
            insert(orm.Delivery).values(
                run_id=run_id,
                subject_id=subject_id,
                batch_no=0,
                state="failed",
                finished_at=now,
                reason=f"SMTP 550 5.1.1 <{ADDRESS}>: Recipient address rejected",
            )
        )
    assert tables_holding(mailer_database_url, [ADDRESS]).keys() == {
        "recipients",
        "mailer_confirmations",
        "mailer_deliveries",
    }
    return subject_id, run_id


def deliveries(unit_of_work, run_id: uuid.UUID) -> list[tuple]:
    table = orm.Delivery
    with unit_of_work() as store:
        query = select(table.subject_id, table.state, table.reason).where(table.run_id == run_id)
        return [tuple(row) for row in store.session.execute(query)]


def test_the_erased_event_leaves_ids_and_states_but_no_address(
    unit_of_work, mailer_database_url
) -> None:
    subject_id, run_id = held_person(unit_of_work, mailer_database_url)
    with unit_of_work() as store:
        erased = load_message(factories.subject_erased(subject_id, 2))
        assert apply_message(store, erased) == "applied"
    assert tables_holding(mailer_database_url, [ADDRESS]) == {}
    assert deliveries(unit_of_work, run_id) == [(subject_id, "failed", None)]


def test_an_erasure_learnt_by_catch_up_leaves_no_address_either(
    unit_of_work, mailer_database_url
) -> None:
    subject_id, run_id = held_person(unit_of_work, mailer_database_url)
    with unit_of_work() as store:
        before = store.load(subject_id)
        after, outcome = recipients.apply(before, Snapshot(subject_id, 2, erased=True))
        assert outcome == "applied"
        store.save(before, after, datetime.now(UTC))
    assert tables_holding(mailer_database_url, [ADDRESS]) == {}
    assert deliveries(unit_of_work, run_id) == [(subject_id, "failed", None)]


@pytest.fixture(params=["embedded", pytest.param("rabbitmq", marks=pytest.mark.postgres)])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Connection]:
    url = request.getfixturevalue("rabbitmq_url") if request.param == "rabbitmq" else None
    connection = connect(url, tmp_path / "instance")
    yield connection
    connection.release()


def unappliable(subject_id: uuid.UUID, email: str) -> dict:
    """A message of a schema this mailer does not know, so it is dead-lettered."""
    return {"schema": "consent.changed/9", "subject_id": str(subject_id), "email": email}


def dead_letter_subjects(connection: Connection) -> list[str]:
    with connection.clone() as conn:
        channel = conn.channel()
        queue = dead_letter_queue().bind(channel)
        queue.declare()
        held = []
        while (message := queue.get(no_ack=False)) is not None:
            held.append(message)
        for message in held:
            message.requeue()
        channel.close()
    return [json.loads(message.body)["subject_id"] for message in held]


def test_after_an_erasure_the_dead_letters_of_erased_people_are_dropped_and_others_kept(
    broker, sqlite_unit_of_work
) -> None:
    erased, other = uuid.uuid4(), uuid.uuid4()
    publish(
        broker,
        unappliable(erased, ADDRESS),
        unappliable(other, "other@example.kg"),
        factories.consent_changed(erased, 1, email=ADDRESS),
    )
    scrubbed: list[bool] = []
    consumer = EventConsumer(broker, sqlite_unit_of_work, lambda: scrubbed.append(True))
    with running(consumer):
        wait_until(lambda: len(dead_letter_subjects(broker)) == 2)
        assert scrubbed == [], "nobody was erased yet"
        publish(broker, factories.subject_erased(erased, 2))
        wait_until(lambda: scrubbed)
    assert dead_letter_subjects(broker) == [str(other)]
