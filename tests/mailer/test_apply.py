"""Applying messages to the stored view: one transaction with the message id, on both databases."""

import threading
import time
import uuid
from functools import partial

import pytest
from sqlalchemy import text

from mailer.adapters.repository import transaction
from mailer.services.apply import NotHandled, apply_message
from plumbing.db import make_engine, session_factory
from schemas.messages import load_message
from tests.mailer import factories
from tests.mailer.conftest import MAILER_TABLES, RUN_TABLES, empty


def apply(unit_of_work, body: dict) -> str:
    with unit_of_work() as store:
        return apply_message(store, load_message(body))


def apply_then_fail(unit_of_work, body: dict) -> None:
    with unit_of_work() as store:
        apply_message(store, load_message(body))
        raise RuntimeError("failed before the commit")


def view(unit_of_work, subject_id: uuid.UUID):
    with unit_of_work() as store:
        return store.load(subject_id)


def test_a_redelivered_message_is_a_duplicate_and_changes_nothing(unit_of_work) -> None:
    subject_id = uuid.uuid4()
    message = factories.consent_changed(subject_id, 1)
    assert apply(unit_of_work, message) == "applied"
    before = view(unit_of_work, subject_id)
    assert apply(unit_of_work, message) == "duplicate"
    assert view(unit_of_work, subject_id) == before


def test_a_late_message_is_stale_and_is_not_applied_later_either(unit_of_work) -> None:
    subject_id = uuid.uuid4()
    apply(unit_of_work, factories.consent_changed(subject_id, 2, status="withdrawn"))
    late = factories.consent_changed(subject_id, 1, status="granted")
    assert apply(unit_of_work, late) == "stale"
    assert apply(unit_of_work, late) == "duplicate"
    assert view(unit_of_work, subject_id).recipient.consents["newsletters"].status == "withdrawn"


def test_every_purpose_and_the_contact_are_stored(unit_of_work) -> None:
    subject_id = uuid.uuid4()
    apply(unit_of_work, factories.consent_changed(subject_id, 1, "newsletters", "pending"))
    apply(unit_of_work, factories.consent_changed(subject_id, 2, "personalization", "granted"))
    apply(unit_of_work, factories.subject_updated(subject_id, 3, "new@example.kg", "ru", "Aigul"))
    recipient = view(unit_of_work, subject_id).recipient
    assert (recipient.contact.email, recipient.contact.locale, recipient.contact.name) == (
        "new@example.kg",
        "ru",
        "Aigul",
    )
    assert (recipient.version, recipient.contact_version) == (3, 3)
    assert {p: s.status for p, s in recipient.consents.items()} == {
        "newsletters": "pending",
        "personalization": "granted",
    }


def test_erasure_leaves_no_contact_data_only_a_tombstone(unit_of_work, mailer_engine) -> None:
    subject_id = uuid.uuid4()
    apply(unit_of_work, factories.consent_changed(subject_id, 1, email="gone@example.kg"))
    apply(unit_of_work, factories.consent_changed(subject_id, 2, "promotions"))
    assert apply(unit_of_work, factories.subject_erased(subject_id, 3)) == "applied"
    with mailer_engine.connect() as conn:
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in MAILER_TABLES
        }
        tombstone = conn.execute(text("SELECT version FROM erased_subjects")).scalar()
    assert counts == {
        "recipient_consents": 0,
        "recipients": 0,
        "erased_subjects": 1,
        "processed_messages": 3,
    } | dict.fromkeys(RUN_TABLES, 0)
    assert tombstone == 3


def test_an_older_event_after_erasure_does_not_recreate_the_person(unit_of_work) -> None:
    subject_id = uuid.uuid4()
    apply(unit_of_work, factories.subject_erased(subject_id, 3))
    assert apply(unit_of_work, factories.consent_changed(subject_id, 2)) == "stale"
    assert view(unit_of_work, subject_id).recipient is None


def test_a_schema_this_release_does_not_handle_is_refused_and_nothing_is_recorded(
    unit_of_work, mailer_engine
) -> None:
    with pytest.raises(NotHandled, match="not handled by this mailer version"):
        apply(unit_of_work, factories.run_report())
    with mailer_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM processed_messages")).scalar() == 0


def test_a_rolled_back_apply_forgets_the_message_id_too(unit_of_work) -> None:
    subject_id = uuid.uuid4()
    message = factories.consent_changed(subject_id, 1)
    with pytest.raises(RuntimeError, match="before the commit"):
        apply_then_fail(unit_of_work, message)
    assert view(unit_of_work, subject_id).recipient is None
    assert apply(unit_of_work, message) == "applied"


@pytest.fixture
def postgres_unit_of_work(mailer_postgres_url):
    empty(mailer_postgres_url)
    engine = make_engine(mailer_postgres_url)
    yield partial(transaction, session_factory(engine))
    engine.dispose()


@pytest.mark.postgres
def test_concurrent_events_of_one_subject_wait_for_each_other(postgres_unit_of_work) -> None:
    """Without the per-subject lock the second writer would read the old view and undo the
    first one's version, or fail on the first one's insert. (SQLite needs no lock: each
    write transaction holds the whole database.)"""
    unit_of_work = postgres_unit_of_work
    subject_id = uuid.uuid4()
    newer = load_message(factories.consent_changed(subject_id, 5, "newsletters"))
    older = factories.consent_changed(subject_id, 4, "promotions")
    results: list[str] = []
    with unit_of_work() as first:
        apply_message(first, newer)
        second = threading.Thread(target=lambda: results.append(apply(unit_of_work, older)))
        second.start()
        wait_for_a_lock_waiter(first.session.get_bind())
    second.join(timeout=10)
    assert results == ["applied"]
    recipient = view(unit_of_work, subject_id).recipient
    assert recipient.version == 5
    assert set(recipient.consents) == {"newsletters", "promotions"}


def wait_for_a_lock_waiter(engine, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    query = text("SELECT count(*) FROM pg_locks WHERE NOT granted")
    with engine.connect() as conn:
        while conn.execute(query).scalar() == 0:
            assert time.monotonic() < deadline, "the second apply never waited"
            conn.rollback()
            time.sleep(0.01)
