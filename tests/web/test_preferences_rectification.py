"""`services.subject_changes.rectify`, which the preference centre's language choice uses and
the API's rectification is meant to reuse: only real changes are written, never a clash."""

import uuid
from datetime import UTC, datetime

import pytest

from consent_service.adapters.repository import SqlRepository
from consent_service.domain.errors import Conflict, DomainError
from consent_service.services import audit
from consent_service.services.subject_changes import Rectification, rectify

BY_ADMIN = Rectification("admin", "test", datetime.now(UTC), {"ip": "192.0.2.77"})


@pytest.fixture
def in_registry(app):
    """Run `work` in a committed transaction of the app's database."""

    def run(work):
        with app.extensions["consent.sessions"]() as session, session.begin():
            return work(SqlRepository(session))

    return run


def test_values_equal_to_the_stored_ones_write_nothing(
    new_subject, in_registry, table_counts
) -> None:
    subject_id = uuid.UUID(new_subject({"personalization": True}, locale="ky"))
    before = table_counts()
    changed = in_registry(lambda r: rectify(r, subject_id, {"locale": "ky"}, BY_ADMIN))
    assert changed == []
    assert table_counts() == before


def test_several_fields_are_one_entry_and_one_message_and_the_chain_verifies(
    new_subject, in_registry, table_counts
) -> None:
    subject_id = uuid.UUID(new_subject({"personalization": True}, locale="ky"))
    before = table_counts()
    changed = in_registry(
        lambda r: rectify(
            r,
            subject_id,
            {"name": "Aibek", "email": "Aibek@Example.KG", "locale": "ru"},
            BY_ADMIN,
            suppression_keys=("test-secret",),
        )
    )
    assert changed == ["email", "locale", "name"]
    after = table_counts()
    assert after["consent_ledger"] == before["consent_ledger"] + 1
    assert after["outbox"] == before["outbox"] + 1
    subject = in_registry(lambda r: r.subject_by_id(subject_id))
    assert (subject.email, subject.locale, subject.version) == ("Aibek@example.kg", "ru", 2)
    assert subject.email_confirmed_at is None
    assert in_registry(lambda r: audit.verify(r, ["test-secret"])).ok


def test_an_address_held_by_someone_else_is_a_conflict_and_writes_nothing(
    new_subject, in_registry, table_counts, client, writer
) -> None:
    first = uuid.UUID(new_subject({"personalization": True}))
    second = new_subject({"personalization": True})
    taken = client.get(f"/v1/subjects/{second}", headers=writer).get_json()["email"]
    before = table_counts()
    with pytest.raises(Conflict):
        in_registry(lambda r: rectify(r, first, {"email": taken.upper()}, BY_ADMIN))
    assert table_counts() == before


@pytest.mark.parametrize(
    "wanted", [{"locale": "de"}, {"email": "not an address"}, {"version": "7"}]
)
def test_a_value_it_cannot_take_is_refused(new_subject, in_registry, wanted) -> None:
    subject_id = uuid.UUID(new_subject({"personalization": True}))
    with pytest.raises(DomainError):
        in_registry(lambda r: rectify(r, subject_id, wanted, BY_ADMIN))
