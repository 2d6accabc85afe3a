"""Applying the registry's messages: idempotent by message id, guarded by versions, in batches."""

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.domain.events import PurposeState
from mailer.services.apply import NotHandled, apply_batch, apply_message
from plumbing.catch_up import bucket_of
from schemas.messages import load_message
from tests.fakes.mailer.store import FakeDatabase
from tests.mailer import factories
from tests.unit.mailer.services.given import apply, control, request_run, run_row


def view(database: FakeDatabase, subject_id: uuid.UUID):
    with database() as store:
        return store.load(subject_id)


def test_a_redelivered_message_is_a_duplicate_and_changes_nothing(database) -> None:
    subject_id = uuid.uuid4()
    message = factories.consent_changed(subject_id, 1)
    assert apply(database, message) == "applied"
    before = view(database, subject_id)
    assert apply(database, message) == "duplicate"
    assert view(database, subject_id) == before


def test_a_late_message_is_stale_and_stays_stale_when_redelivered(database) -> None:
    subject_id = uuid.uuid4()
    apply(database, factories.consent_changed(subject_id, 2, status="withdrawn"))
    late = factories.consent_changed(subject_id, 1, status="granted")
    assert apply(database, late) == "stale"
    assert apply(database, late) == "duplicate"
    assert view(database, subject_id).recipient.consents["newsletters"].status == "withdrawn"


@given(order=st.permutations(range(4)))
def test_consent_events_in_any_order_leave_the_newest_status_of_each_purpose(order) -> None:
    database = FakeDatabase()
    subject_id = uuid.uuid4()
    events = [
        factories.consent_changed(subject_id, 1, "newsletters", "granted"),
        factories.consent_changed(subject_id, 2, "promotions", "granted"),
        factories.consent_changed(subject_id, 3, "newsletters", "withdrawn"),
        factories.consent_changed(subject_id, 4, "promotions", "pending"),
    ]
    for position in order:
        apply(database, events[position])
    recipient = view(database, subject_id).recipient
    assert recipient.version == 4
    assert recipient.consents == {
        "newsletters": PurposeState("withdrawn", 3),
        "promotions": PurposeState("pending", 4),
    }


def test_an_event_older_than_the_erasure_does_not_bring_the_person_back(database) -> None:
    subject_id = uuid.uuid4()
    apply(database, factories.consent_changed(subject_id, 1))
    assert apply(database, factories.subject_erased(subject_id, 3)) == "applied"
    assert apply(database, factories.consent_changed(subject_id, 2)) == "stale"
    assert view(database, subject_id).recipient is None
    assert view(database, subject_id).erased_version == 3


def test_a_schema_this_release_does_not_act_on_is_refused_before_anything_is_recorded(
    database,
) -> None:
    with pytest.raises(NotHandled, match="not handled by this mailer version"):
        apply(database, factories.run_report())
    assert database.tables.processed == {}


def test_a_batch_locks_its_subjects_buckets_once_each_in_one_order_then_applies_all(
    database,
) -> None:
    ids = [uuid.UUID("ff" + uuid.uuid4().hex[2:]), uuid.UUID("00" + uuid.uuid4().hex[2:])]
    bodies = [factories.consent_changed(i, 1) for i in ids] + [
        factories.consent_changed(ids[0], 2, status="withdrawn"),
        factories.run_requested(),
    ]
    batch = [load_message(body) for body in bodies]
    with database() as store:
        results = apply_batch(store, batch + batch[:1])
    assert results == {"applied": 4, "duplicate": 1}
    first_locks = database.locked[-1][:2]
    assert first_locks == ["00", "ff"] == sorted(bucket_of(str(i)) for i in ids)


def test_a_batch_that_fails_leaves_nothing_behind_not_even_its_message_ids(database) -> None:
    subject_id = uuid.uuid4()
    message = load_message(factories.consent_changed(subject_id, 1))

    def apply_then_fail() -> None:
        with database() as store:
            apply_batch(store, [message])
            raise RuntimeError("the commit failed")

    with pytest.raises(RuntimeError):
        apply_then_fail()
    assert database.tables.processed == {}
    assert view(database, subject_id).recipient is None
    with database() as store:
        assert apply_message(store, message) == "applied"


def test_a_run_is_recorded_once_by_message_and_by_run_id(database, clock) -> None:
    body = factories.run_requested()
    assert apply(database, body, clock) == "applied"
    again = body | {"message_id": str(uuid.uuid4()), "campaign_name": "Renamed"}
    assert apply(database, again, clock) == "duplicate"
    run = run_row(database, uuid.UUID(body["run_id"]))
    assert (run.status, run.record.campaign_name, run.report_sequence) == (
        "planned",
        "Weekly news",
        0,
    )


def test_a_run_of_a_campaign_already_cancelled_is_cancelled_on_arrival_and_reported(
    database, clock
) -> None:
    campaign_id = uuid.uuid4()
    control(database, clock, campaign_id, "cancelled", 1)
    run = run_row(database, request_run(database, clock, campaign_id=campaign_id))
    assert (run.status, run.reason, run.finished_at) == (
        "cancelled",
        "campaign cancelled",
        clock.at,
    )
    assert run.report_sequence > run.reported_sequence


def test_a_campaign_keeps_the_state_of_its_highest_version(database, clock) -> None:
    campaign_id = uuid.uuid4()
    assert control(database, clock, campaign_id, "paused", 2) == "applied"
    assert control(database, clock, campaign_id, "running", 1) == "stale"
    assert database.tables.campaigns[campaign_id] == ("paused", 2)
    assert control(database, clock, campaign_id, "running", 3) == "applied"
    assert database.tables.campaigns[campaign_id] == ("running", 3)


def test_cancelling_a_campaign_cancels_its_unfinished_runs_only(database, clock) -> None:
    campaign_id = uuid.uuid4()
    done, waiting = (request_run(database, clock, campaign_id=campaign_id) for _ in range(2))
    other = request_run(database, clock)
    database.tables.runs[done] = replace(run_row(database, done), status="completed")
    clock.advance(timedelta(minutes=1))
    control(database, clock, campaign_id, "cancelled", 1)
    assert run_row(database, done).status == "completed"
    assert (run_row(database, waiting).status, run_row(database, waiting).report_sequence) == (
        "cancelled",
        1,
    )
    assert run_row(database, other).status == "planned"


def test_a_confirmation_is_queued_once_and_not_after_the_persons_erasure(database) -> None:
    subject_id, erased = uuid.uuid4(), uuid.uuid4()
    body = factories.confirmation_requested(subject_id, 1)
    assert [apply(database, body), apply(database, body)] == ["applied", "duplicate"]
    apply(database, factories.subject_erased(erased, 3))
    assert apply(database, factories.confirmation_requested(erased, 2)) == "stale"
    assert apply(database, factories.preferences_link_requested(erased, 2)) == "stale"
    assert [row.subject_id for row in database.tables.confirmations.values()] == [subject_id]


def test_an_erasure_deletes_the_persons_queued_emails(database) -> None:
    subject_id, other = uuid.uuid4(), uuid.uuid4()
    apply(database, factories.confirmation_requested(subject_id, 1))
    apply(database, factories.preferences_link_requested(subject_id, 2))
    apply(database, factories.confirmation_requested(other, 1, email="other@example.kg"))
    apply(database, factories.subject_erased(subject_id, 3))
    assert [row.subject_id for row in database.tables.confirmations.values()] == [other]
