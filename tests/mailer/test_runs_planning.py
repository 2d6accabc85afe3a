"""Planning a run: the send ledger and the batches are filled in the database, in one go."""

import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import event, select

from mailer.adapters import orm
from mailer.services.sending.sender import Sender
from tests.mailer import factories
from tests.mailer.runs import (
    MirrorRegistryClient,
    RecordingBackend,
    apply,
    batch_states,
    ledger,
    request_run,
    run_row,
    seed,
    settings,
)


def sender(unit_of_work, batch_size: int = 10) -> Sender:
    return Sender(
        unit_of_work,
        RecordingBackend(),
        MirrorRegistryClient(unit_of_work),
        None,
        settings(batch_size=batch_size),
    )


def test_only_recipients_granted_for_the_purpose_with_an_address_are_planned(
    unit_of_work,
) -> None:
    granted = seed(unit_of_work, 7)
    seed(unit_of_work, 3, status="withdrawn")
    seed(unit_of_work, 2, status="pending")
    seed(unit_of_work, 4, purpose="promotions")
    no_address = uuid.uuid4()
    apply(unit_of_work, factories.consent_changed(no_address, 1))
    with unit_of_work() as store:
        store.session.get(orm.Recipient, no_address).email = None
    run_id = request_run(unit_of_work)

    assert sender(unit_of_work).plan_next_run()

    assert set(ledger(unit_of_work, run_id)) == set(granted)
    assert set(ledger(unit_of_work, run_id).values()) == {"planned"}


def test_a_run_is_cut_into_batches_of_the_batch_size_in_id_order(unit_of_work) -> None:
    ids = seed(unit_of_work, 25)
    run_id = request_run(unit_of_work)

    sender(unit_of_work, batch_size=10).plan_next_run()

    with unit_of_work() as store:
        rows = store.session.execute(
            select(orm.Delivery.subject_id, orm.Delivery.batch_no)
            .where(orm.Delivery.run_id == run_id)
            .order_by(orm.Delivery.subject_id)
        ).all()
    assert [subject_id for subject_id, _ in rows] == ids
    assert Counter(batch_no for _, batch_no in rows) == {0: 10, 1: 10, 2: 5}
    assert batch_states(unit_of_work, run_id) == {"queued": 3}
    run = run_row(unit_of_work, run_id)
    assert (run.status, run.recipients, run.batches_total, run.batches_open) == (
        "running",
        25,
        3,
        3,
    )
    assert run.started_at is not None
    assert run.report_sequence == 1


def test_a_run_with_nobody_to_email_is_completed_when_planned(unit_of_work) -> None:
    seed(unit_of_work, 3, status="withdrawn")
    run_id = request_run(unit_of_work)

    sender(unit_of_work).plan_next_run()

    run = run_row(unit_of_work, run_id)
    assert (run.status, run.recipients, run.batches_total) == ("completed", 0, 0)
    assert run.finished_at is not None


def test_a_run_is_planned_once_and_runs_are_planned_oldest_first(unit_of_work) -> None:
    seed(unit_of_work, 3)
    first, second = request_run(unit_of_work), request_run(unit_of_work)
    planner = sender(unit_of_work)

    assert planner.plan_next_run()
    assert run_row(unit_of_work, first).status == "running"
    assert run_row(unit_of_work, second).status == "planned"
    assert planner.plan_next_run()
    assert not planner.plan_next_run()
    assert len(ledger(unit_of_work, first)) == 3


def test_planning_streams_in_sql_and_never_reads_the_recipients_into_python(
    unit_of_work, mailer_engine
) -> None:
    """Memory stays flat because no recipient row ever reaches Python: the statements sent
    while planning are one INSERT ... SELECT with the batch numbers computed in it, and
    nothing that fetches from the view."""
    seed(unit_of_work, 5000)
    run_id = request_run(unit_of_work)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(mailer_engine, "after_cursor_execute", seen)
    try:
        sender(unit_of_work, batch_size=1000).plan_next_run()
    finally:
        event.remove(mailer_engine, "after_cursor_execute", seen)

    filling = [s for s in statements if s.startswith("INSERT INTO mailer_deliveries")]
    assert len(filling) == 1
    assert "SELECT" in filling[0] and "row_number() OVER (ORDER BY" in filling[0]
    assert "FROM recipient_consents JOIN recipients" in filling[0]
    reading_the_view = [
        s for s in statements if s.startswith("SELECT") and "recipient_consents" in s
    ]
    assert reading_the_view == []
    assert run_row(unit_of_work, run_id).recipients == 5000
    assert batch_states(unit_of_work, run_id) == {"queued": 5}


@pytest.mark.postgres
def test_two_workers_never_plan_the_same_run(postgres_unit_of_work) -> None:
    """While one worker plans a run (its row locked), another skips it instead of waiting
    and planning it a second time."""
    unit_of_work = postgres_unit_of_work
    seed(unit_of_work, 20)
    run_id = request_run(unit_of_work)
    seen_by_second: list[object] = []
    with unit_of_work() as first:
        assert first.planning.next_planned_run().run_id == run_id

        def second() -> None:
            with unit_of_work() as store:
                seen_by_second.append(store.planning.next_planned_run())

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the second worker waited for the first"
    assert seen_by_second == [None]
