"""Retention deletes old detail and keeps every count; a person's export lists what was sent."""

import uuid
from datetime import UTC, datetime, timedelta

from mailer.domain.outgoing import Outcome
from mailer.services import export_part, retention
from mailer.services.retention import SendLedgerRetention
from schemas.messages import load_message
from tests.fakes.mailer.outside import FakeBackend
from tests.mailer import factories
from tests.unit.mailer.services.given import (
    apply,
    drive,
    make_sender,
    request_run,
    run_row,
    seed,
)

DAY = timedelta(days=1)
YEAR = SendLedgerRetention(kept=365 * DAY)
NEVER = datetime(2100, 1, 1, tzinfo=UTC)


def finished_run(database, clock, recipients: int = 12) -> uuid.UUID:
    seed(database, recipients)
    run_id = request_run(database, clock)
    drive(make_sender(database, clock))
    assert run_row(database, run_id).status == "completed"
    return run_id


def deliveries_of(database, run_id: uuid.UUID) -> int:
    return sum(1 for r, _ in database.tables.deliveries if r == run_id)


def test_the_detail_of_a_run_finished_over_the_limit_ago_goes_and_its_counts_stay(
    database, clock
) -> None:
    run_id = finished_run(database, clock)
    counts = run_row(database, run_id).counts
    assert retention.purge(database, YEAR, clock.now() + 364 * DAY).runs == 0

    done = retention.purge(database, YEAR, clock.now() + 366 * DAY)

    assert (done.runs, done.deliveries) == (1, 12)
    assert deliveries_of(database, run_id) == 0
    assert not any(r == run_id for r, _ in database.tables.batches)
    assert (run_row(database, run_id).counts, run_row(database, run_id).status) == (
        counts,
        "completed",
    )


def test_an_unfinished_run_keeps_its_detail_however_old(database, clock) -> None:
    seed(database, 3)
    run_id = request_run(database, clock)
    make_sender(database, clock).plan_next_run()
    assert retention.purge(database, YEAR, clock.now() + 1000 * DAY).runs == 0
    assert deliveries_of(database, run_id) == 3


def test_deliveries_the_frequency_cap_still_counts_are_kept(database, clock) -> None:
    run_id = finished_run(database, clock, recipients=3)
    long_cap = SendLedgerRetention(kept=365 * DAY, cap_period=400 * DAY)
    assert retention.purge(database, long_cap, clock.now() + 366 * DAY).deliveries == 0
    assert deliveries_of(database, run_id) == 3


def test_finished_emails_of_the_queue_and_old_message_ids_go(database, clock, backend) -> None:
    for version in (1, 2):
        apply(database, factories.confirmation_requested(uuid.uuid4(), version), clock)
    make_sender(database, clock, backend=backend).send_confirmations()
    apply(database, factories.confirmation_requested(uuid.uuid4(), 1), clock)

    done = retention.purge(database, YEAR, clock.now() + 366 * DAY)

    assert (done.confirmations, done.processed_messages) == (2, 3)
    assert [row.state for row in database.tables.confirmations.values()] == ["queued"]


def test_a_plan_counts_what_a_purge_deletes_and_changes_nothing(database, clock) -> None:
    finished_run(database, clock, recipients=5)
    later = clock.now() + 366 * DAY
    planned = retention.plan(database, YEAR, later)
    assert (planned.runs, planned.deliveries) == (1, 5)
    assert len(database.tables.deliveries) == 5
    assert retention.purge(database, YEAR, later) == planned


def test_a_message_redelivered_after_its_id_was_purged_changes_nothing(database, clock) -> None:
    subject_id = uuid.uuid4()
    granted = factories.consent_changed(subject_id, 1, status="granted")
    apply(database, granted, clock)
    apply(database, factories.consent_changed(subject_id, 2, status="withdrawn"), clock)
    retention.purge(database, YEAR, clock.now() + 366 * DAY)
    assert apply(database, granted, clock) == "stale"


def test_an_export_lists_each_email_handed_over_with_its_outcome_oldest_first(
    database, clock
) -> None:
    [subject_id] = seed(database, 1)
    refusing = make_sender(
        database, clock, backend=FakeBackend(answer=lambda s: Outcome(s, "failed", "550"))
    )
    apply(database, factories.confirmation_requested(subject_id, 2), clock)
    drive(refusing)
    clock.advance(timedelta(minutes=1))
    request_run(database, clock)
    drive(refusing)
    clock.advance(timedelta(minutes=1))
    request_run(database, clock)
    drive(make_sender(database, clock, backend=FakeBackend(answer=lambda s: None)))
    request = {"request_id": uuid.uuid4(), "subject_id": subject_id, "reply_by": NEVER}

    answer = load_message(export_part.answer(database, request, clock.now()))

    assert [(e["kind"], e["outcome"]) for e in answer["emails"]] == [
        ("confirmation", "failed"),
        ("campaign", "failed"),
        ("campaign", "unknown"),
    ]
    assert "@" not in str(answer)


def test_an_export_request_taken_after_its_reply_by_is_not_answered(database, clock) -> None:
    request = {"request_id": uuid.uuid4(), "subject_id": uuid.uuid4(), "reply_by": clock.now()}
    assert export_part.answer(database, request, clock.now()) is None
