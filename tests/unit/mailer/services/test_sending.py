"""Sending a run's batches: the send-time check, the frequency cap, suppressed addresses, the
backend's outcomes and the counts."""

import uuid
from datetime import timedelta

from mailer.domain.outgoing import Outcome
from mailer.domain.send_ledger import NO_OUTCOME
from tests.fakes.mailer.outside import FakeBackend
from tests.unit.mailer.services.given import (
    batch_states,
    drive,
    ledger,
    ledger_states,
    make_sender,
    recipient,
    registry_agreeing,
    request_run,
    run_row,
    seed,
    weekly,
)


def test_a_run_emails_every_granted_recipient_once_and_completes(database, clock, backend) -> None:
    ids = seed(database, 25)
    run_id = request_run(database, clock)

    drive(make_sender(database, clock, backend=backend))

    assert backend.handed == dict.fromkeys(ids, 1)
    assert [len(call.envelopes) for call in backend.calls] == [10, 10, 5]
    run = run_row(database, run_id)
    assert (run.status, run.finished_at) == ("completed", clock.at)
    assert run.counts.as_dict() == {
        "recipients": 25,
        "sent": 25,
        "skipped_withdrawn": 0,
        "skipped_capped": 0,
        "failed": 0,
        "unknown": 0,
    }
    assert batch_states(database, run_id) == {"done": 3}
    assert (run.batches_open, run.report_sequence) == (0, 1 + 3)


def test_a_batch_goes_to_the_backend_in_groups_of_its_envelope_limit(database, clock) -> None:
    seed(database, 10)
    request_run(database, clock)
    backend = FakeBackend(max_envelopes=4)
    drive(make_sender(database, clock, backend=backend))
    assert [len(call.envelopes) for call in backend.calls] == [4, 4, 2]


def test_who_is_no_longer_granted_at_the_check_is_skipped_with_the_reason(
    database, clock, backend
) -> None:
    withdrawn, gone, no_address, kept = seed(database, 4)
    run_id = request_run(database, clock)
    sender = make_sender(database, clock, backend=backend)
    sender.plan_next_run()
    views = database.tables.views
    views[withdrawn] = recipient(withdrawn, status="withdrawn", version=2)
    del views[gone]
    views[no_address] = recipient(no_address, version=2, has_address=False)
    sender.fence.registry_client = registry_agreeing(database)

    drive(sender)

    assert backend.handed == {kept: 1}
    rows = {s: (row.state, row.reason) for (_, s), row in database.tables.deliveries.items()}
    assert rows == {
        withdrawn: ("skipped_withdrawn", "withdrawn"),
        gone: ("skipped_withdrawn", "not held"),
        no_address: ("skipped_withdrawn", "not held"),
        kept: ("sent", None),
    }
    assert run_row(database, run_id).counts.skipped_withdrawn == 3


def test_a_suppressed_address_is_skipped_like_a_withdrawal_and_says_so(
    database, clock, backend
) -> None:
    [suppressed] = seed(database, 1, suppressed=True)
    [kept] = seed(database, 1)
    run_id = request_run(database, clock)

    drive(make_sender(database, clock, backend=backend))

    assert backend.handed == {kept: 1}
    row = database.tables.deliveries[run_id, suppressed]
    assert (row.state, row.reason) == ("skipped_withdrawn", "suppressed")


def test_the_frequency_cap_counts_emails_of_every_run_within_its_period(
    database, clock, backend
) -> None:
    ids = seed(database, 3)
    sender = make_sender(database, clock, backend=backend, frequency_cap=weekly(2))
    first, second, third = (request_run(database, clock) for _ in range(3))
    drive(sender)
    assert ledger_states(database, first) == ledger_states(database, second) == {"sent": 3}
    assert ledger_states(database, third) == {"skipped_capped": 3}
    assert {row.reason for (r, _), row in database.tables.deliveries.items() if r == third} == {
        "frequency cap"
    }

    clock.advance(timedelta(days=7, seconds=1))
    fourth = request_run(database, clock)
    drive(sender)
    assert ledger_states(database, fourth) == {"sent": 3}
    assert backend.handed == dict.fromkeys(ids, 3)


def test_a_capped_check_locks_the_batchs_buckets_in_order_first(database, clock) -> None:
    ids = seed(database, 5)
    request_run(database, clock)
    drive(make_sender(database, clock, frequency_cap=weekly(5)))
    buckets = sorted({str(i)[:2] for i in ids})
    assert buckets in database.locked


def test_the_backends_failures_and_unknowns_are_recorded_and_counted(database, clock) -> None:
    failing, unsure, silent, fine = seed(database, 4)

    def answer(subject_id: uuid.UUID) -> Outcome | None:
        if subject_id == failing:
            return Outcome(subject_id, "failed", "550 mailbox unavailable")
        if subject_id == unsure:
            return Outcome(subject_id, "unknown", "timeout")
        return None if subject_id == silent else Outcome(subject_id, "sent")

    run_id = request_run(database, clock)
    drive(make_sender(database, clock, backend=FakeBackend(answer=answer)))

    rows = database.tables.deliveries
    assert {
        s: (rows[run_id, s].state, rows[run_id, s].reason) for s in ledger(database, run_id)
    } == {
        failing: ("failed", "550 mailbox unavailable"),
        unsure: ("unknown", "timeout"),
        silent: ("unknown", NO_OUTCOME),
        fine: ("sent", None),
    }
    counts = run_row(database, run_id).counts
    assert (counts.sent, counts.failed, counts.unknown) == (1, 1, 2)


def test_the_throttle_is_charged_the_batch_and_given_back_what_was_skipped(
    database, clock, throttle
) -> None:
    ids = seed(database, 6)
    request_run(database, clock)
    sender = make_sender(database, clock, throttle=throttle)
    sender.plan_next_run()
    for subject_id in ids[:2]:
        database.tables.views[subject_id] = recipient(subject_id, status="withdrawn", version=2)
    sender.fence.registry_client = registry_agreeing(database)

    drive(sender)

    assert (throttle.reserved, throttle.given_back) == ([6], [2])
