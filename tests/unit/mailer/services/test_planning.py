"""Planning a run: who is planned, in which batches, and which run is planned when."""

import uuid
from collections import Counter
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.mailer.outside import FakeClock
from tests.fakes.mailer.store import FakeDatabase
from tests.unit.mailer.services.given import (
    batch_states,
    control,
    ledger,
    make_sender,
    recipient,
    request_run,
    run_row,
    seed,
)


def test_only_recipients_granted_for_the_purpose_with_an_address_are_planned(
    database, clock
) -> None:
    granted = seed(database, 7)
    seed(database, 3, status="withdrawn")
    seed(database, 2, status="pending")
    seed(database, 4, purpose="promotions")
    seed(database, 1, has_address=False)
    run_id = request_run(database, clock)

    assert make_sender(database, clock).plan_next_run()

    assert ledger(database, run_id) == dict.fromkeys(granted, "planned")


@given(recipients=st.integers(min_value=0, max_value=60), size=st.integers(1, 25))
def test_a_run_is_cut_in_id_order_into_batches_of_the_batch_size(recipients, size) -> None:
    database, clock = FakeDatabase(), FakeClock()
    ids = seed(database, recipients)
    run_id = request_run(database, clock)

    make_sender(database, clock, batch_size=size).plan_next_run()

    rows = database.tables.deliveries
    batches = [rows[run_id, subject_id].batch_no for subject_id in ids]
    assert batches == sorted(batches)
    assert Counter(batches) == {
        n: min(size, recipients - n * size) for n in range(-(-recipients // size))
    }
    assert batch_states(database, run_id) == ({"queued": len(set(batches))} if ids else {})
    run = run_row(database, run_id)
    assert (run.counts.recipients, run.batches_total, run.batches_open) == (
        recipients,
        len(set(batches)),
        len(set(batches)),
    )
    assert (run.status, run.report_sequence) == ("running" if ids else "completed", 1)
    assert (run.started_at, run.finished_at) == (clock.at, None if ids else clock.at)


def test_runs_are_planned_oldest_first_and_each_once(database, clock) -> None:
    seed(database, 3)
    first = request_run(database, clock)
    clock.advance(timedelta(seconds=1))
    second = request_run(database, clock)
    planner = make_sender(database, clock)

    assert planner.plan_next_run()
    assert (run_row(database, first).status, run_row(database, second).status) == (
        "running",
        "planned",
    )
    assert planner.plan_next_run()
    assert not planner.plan_next_run()
    assert len(ledger(database, first)) == len(ledger(database, second)) == 3


def test_a_withdrawal_after_planning_leaves_the_plan_as_it_was(database, clock) -> None:
    """The plan is a snapshot; the send-time check, not the plan, honours the withdrawal."""
    [subject_id] = seed(database, 1)
    run_id = request_run(database, clock)
    make_sender(database, clock).plan_next_run()
    database.tables.views[subject_id] = recipient(subject_id, status="withdrawn", version=2)
    assert ledger(database, run_id) == {subject_id: "planned"}


def test_a_cancelled_run_is_never_planned(database, clock) -> None:
    seed(database, 3)
    campaign_id = uuid.uuid4()
    run_id = request_run(database, clock, campaign_id=campaign_id)
    control(database, clock, campaign_id, "cancelled", 1)
    assert not make_sender(database, clock).plan_next_run()
    assert ledger(database, run_id) == {}
