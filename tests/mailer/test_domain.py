"""The rules of the mailer's view, one fact at a time, in plain Python."""

import uuid

from mailer.domain.events import (
    ConsentChanged,
    Contact,
    ContactUpdated,
    Erased,
    PurposeState,
    Snapshot,
)
from mailer.domain.recipients import SubjectView, apply, forget

ID = uuid.UUID("3f2b8c1e-0000-4000-8000-000000000001")
OLD = Contact("old@example.kg", "ky", None)
NEW = Contact("new@example.kg", "ru", "Aigul")


def changed(version: int, purpose: str = "newsletters", status: str = "granted", contact=OLD):
    return ConsentChanged(ID, version, contact, purpose, status)


def view_after(*facts) -> SubjectView:
    view = SubjectView(ID)
    for fact in facts:
        view, _ = apply(view, fact)
    return view


def test_first_consent_change_creates_the_recipient_with_its_contact() -> None:
    view, outcome = apply(SubjectView(ID), changed(1))
    assert outcome == "applied"
    assert view.recipient.contact == OLD
    assert view.recipient.version == 1
    assert view.recipient.consents == {"newsletters": PurposeState("granted", 1)}


def test_an_older_change_of_the_same_purpose_is_stale() -> None:
    view = view_after(changed(2, status="withdrawn"))
    after, outcome = apply(view, changed(1, status="granted"))
    assert outcome == "stale"
    assert after == view


def test_the_same_change_twice_is_stale_the_second_time() -> None:
    view = view_after(changed(1))
    assert apply(view, changed(1)) == (view, "stale")


def test_an_older_change_of_another_purpose_still_applies() -> None:
    view = view_after(changed(3, "newsletters", contact=NEW))
    after, outcome = apply(view, changed(2, "promotions", "withdrawn", contact=OLD))
    assert outcome == "applied"
    assert after.recipient.consents["promotions"] == PurposeState("withdrawn", 2)
    assert after.recipient.version == 3
    assert after.recipient.contact == NEW


def test_contact_data_comes_only_from_a_newer_version() -> None:
    view = view_after(ContactUpdated(ID, 5, NEW))
    after, _ = apply(view, changed(4, contact=OLD))
    assert after.recipient.contact == NEW
    assert after.recipient.contact_version == 5


def test_a_contact_update_changes_contact_and_version_but_no_consent() -> None:
    view = view_after(changed(1, contact=OLD))
    after, outcome = apply(view, ContactUpdated(ID, 2, NEW))
    assert outcome == "applied"
    assert after.recipient.contact == NEW
    assert after.recipient.version == 2
    assert after.recipient.consents == view.recipient.consents


def test_erasure_removes_the_recipient_and_leaves_a_tombstone() -> None:
    after, outcome = apply(view_after(changed(1), changed(2, "promotions")), Erased(ID, 3))
    assert outcome == "applied"
    assert after == SubjectView(ID, None, 3)


def test_erasure_wins_even_over_a_newer_state() -> None:
    after, _ = apply(view_after(changed(7)), Erased(ID, 3))
    assert after.recipient is None


def test_a_late_event_never_recreates_an_erased_person() -> None:
    erased = view_after(changed(1), Erased(ID, 2))
    assert apply(erased, changed(1)) == (erased, "stale")
    assert apply(erased, ContactUpdated(ID, 2, NEW)) == (erased, "stale")
    assert apply(erased, Erased(ID, 2)) == (erased, "stale")


def test_a_snapshot_fills_in_what_was_missed_and_keeps_what_is_newer() -> None:
    view = view_after(changed(6, "promotions", "withdrawn"))
    snapshot = Snapshot(
        ID,
        5,
        contact=NEW,
        consents={
            "newsletters": PurposeState("granted", 4),
            "promotions": PurposeState("granted", 5),
        },
    )
    after, outcome = apply(view, snapshot)
    assert outcome == "applied"
    assert after.recipient.consents == {
        "newsletters": PurposeState("granted", 4),
        "promotions": PurposeState("withdrawn", 6),
    }
    assert after.recipient.version == 6
    assert after.recipient.contact == OLD


def test_a_snapshot_drops_purposes_the_registry_does_not_hold_at_its_version() -> None:
    view = view_after(changed(1, "surveys"), changed(2, "newsletters"))
    snapshot = Snapshot(ID, 2, contact=OLD, consents={"newsletters": PurposeState("granted", 2)})
    after, _ = apply(view, snapshot)
    assert set(after.recipient.consents) == {"newsletters"}


def test_an_erased_snapshot_tombstones_the_subject() -> None:
    after, outcome = apply(view_after(changed(1)), Snapshot(ID, 2, erased=True))
    assert outcome == "applied"
    assert after == SubjectView(ID, None, 2)


def test_a_snapshot_at_or_below_the_tombstone_is_ignored() -> None:
    erased = view_after(Erased(ID, 4))
    assert apply(erased, Snapshot(ID, 4, contact=NEW))[1] == "stale"


def test_forgetting_a_recipient_keeps_its_tombstone() -> None:
    view = SubjectView(ID, view_after(changed(5)).recipient, 2)
    assert forget(view) == SubjectView(ID, None, 2)


def test_attributes_come_with_a_newer_contact_and_are_kept_when_a_fact_does_not_say() -> None:
    tagged = Contact("old@example.kg", "ky", None, {"plan": "pro"})
    view = view_after(changed(1), ContactUpdated(ID, 2, tagged))
    assert view.recipient is not None
    assert view.recipient.contact.attributes == {"plan": "pro"}
    view, _ = apply(view, changed(3))  # consent.changed carries no attributes
    assert view.recipient is not None
    assert view.recipient.contact.attributes == {"plan": "pro"}
    emptied = Contact("old@example.kg", "ky", None, {})
    view, outcome = apply(view, ContactUpdated(ID, 4, emptied))
    assert outcome == "applied"
    assert view.recipient is not None
    assert view.recipient.contact.attributes is None


def test_older_attributes_are_stale() -> None:
    view = view_after(ContactUpdated(ID, 5, Contact("a@example.kg", "ky", None, {"a": 1})))
    view, outcome = apply(view, ContactUpdated(ID, 4, Contact("a@example.kg", "ky", None, {})))
    assert outcome == "stale"
    assert view.recipient is not None
    assert view.recipient.contact.attributes == {"a": 1}
