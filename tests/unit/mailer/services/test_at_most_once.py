"""At most once (SPEC guarantee 4): claims committed before the backend call, leases, takeovers,
and rows of a crashed worker `unknown`, never sent again."""

import contextlib
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.domain.send_ledger import TAKEN_OVER
from mailer.services.sending.sender import LEASE
from tests.fakes.mailer.outside import FakeBackend, FakeClock, Killed
from tests.fakes.mailer.store import FakeDatabase
from tests.unit.mailer.services.given import (
    batch_states,
    drive,
    ledger,
    ledger_states,
    make_sender,
    request_run,
    run_row,
    seed,
)


def test_claims_are_committed_before_the_backend_is_called(database, clock) -> None:
    ids = seed(database, 3)
    run_id = request_run(database, clock)
    seen: list[dict[uuid.UUID, str]] = []
    backend = FakeBackend(on_send=lambda _: seen.append(ledger(database, run_id)))

    drive(make_sender(database, clock, backend=backend))

    assert seen == [dict.fromkeys(ids, "claimed")]


def test_a_batch_taken_over_from_a_killed_worker_never_sends_its_claimed_rows_again(
    database, clock
) -> None:
    """The first worker dies after one backend call of a batch's two: the rows it had claimed
    but not recorded become `unknown`; the rest of the run goes out once."""
    ids = seed(database, 20)
    run_id = request_run(database, clock)
    dying_backend = FakeBackend(max_envelopes=5, dies_after=1)
    dying = make_sender(database, clock, backend=dying_backend)
    dying.plan_next_run()
    with pytest.raises(Killed):
        dying.send_next_batch()
    assert ledger_states(database, run_id) == {"sent": 5, "claimed": 5, "planned": 10}

    clock.advance(LEASE + timedelta(seconds=1))
    successor_backend = FakeBackend()
    drive(make_sender(database, clock, backend=successor_backend))

    handed = dying_backend.handed + successor_backend.handed
    assert set(handed.values()) == {1}
    assert len(handed) == 15
    states = ledger(database, run_id)
    assert {i for i in ids if states[i] == "unknown"} == set(ids) - set(handed)
    assert {
        row.reason for row in database.tables.deliveries.values() if row.state == "unknown"
    } == {TAKEN_OVER}
    run = run_row(database, run_id)
    assert (run.status, run.counts.sent, run.counts.unknown) == ("completed", 15, 5)


def test_a_batch_whose_lease_is_renewed_is_not_taken_over(database, clock) -> None:
    seed(database, 10)
    request_run(database, clock)
    make_sender(database, clock).plan_next_run()
    start = clock.now()
    with database() as store:
        claim = store.batches.claim(start, start + LEASE)
    with database() as store:
        assert store.batches.hold(claim, start + LEASE * 2) is not None
    with database() as store:
        assert store.batches.claim(start + LEASE * 1.5, start + LEASE * 3) is None
        assert store.batches.claim(start + LEASE * 2.5, start + LEASE * 4) is not None


def test_a_worker_that_lost_its_batch_can_neither_record_nor_close_it(database, clock) -> None:
    ids = seed(database, 10)
    run_id = request_run(database, clock)
    make_sender(database, clock).plan_next_run()
    start = clock.now()
    with database() as store:
        slow = store.batches.claim(start, start + LEASE)
        store.ledger.mark(run_id, ids[:4], "planned", "claimed", start)
    with database() as store:
        taker = store.batches.claim(start + LEASE * 2, start + LEASE * 3)
    assert (taker.attempt, taker.taken_over) == (2, 4)

    with database() as store:
        assert store.batches.start_check(slow, start, start + LEASE) is False
        assert store.batches.hold(slow, start + LEASE * 4) is None
        assert store.ledger.mark(run_id, ids[:4], "claimed", "sent", start) == []
        assert store.batches.finish(slow, start) is None
        store.batches.release(slow)
    assert batch_states(database, run_id) == {"sending": 1}
    with database() as store:
        assert store.batches.finish(taker, start) is not None
    assert ledger_states(database, run_id) == {"unknown": 4, "planned": 6}


def test_a_worker_told_to_stop_before_the_check_gives_its_batch_back_untouched(
    database, clock, throttle, backend
) -> None:
    seed(database, 10)
    run_id = request_run(database, clock)
    worker = make_sender(database, clock, throttle=throttle, backend=backend)
    worker.plan_next_run()
    throttle.stopping = True

    assert worker.send_next_batch()

    assert ledger_states(database, run_id) == {"planned": 10}
    assert batch_states(database, run_id) == {"queued": 1}
    assert (backend.calls, throttle.given_back) == ([], [10])


@settings(max_examples=40)
@given(
    recipients=st.integers(min_value=1, max_value=40),
    deaths=st.lists(st.integers(min_value=0, max_value=3), max_size=4),
    envelopes=st.integers(min_value=1, max_value=7),
)
def test_however_often_workers_die_nobody_is_emailed_twice_and_the_counts_add_up(
    recipients, deaths, envelopes
) -> None:
    """Each death is a worker killed after that many backend calls of its batch; a worker
    that survives finishes the run. Every row ends sent or unknown, nobody gets two emails,
    and the run's counts are the ledger's."""
    database, clock = FakeDatabase(), FakeClock()
    ids = seed(database, recipients)
    run_id = request_run(database, clock)
    handed: Counter[uuid.UUID] = Counter()
    for calls in deaths:
        backend = FakeBackend(max_envelopes=envelopes, dies_after=calls)
        with contextlib.suppress(Killed):
            drive(make_sender(database, clock, backend=backend))
        handed += backend.handed
        clock.advance(LEASE + timedelta(seconds=1))
    survivor = FakeBackend(max_envelopes=envelopes)
    drive(make_sender(database, clock, backend=survivor))
    handed += survivor.handed

    assert set(handed.values()) <= {1}
    states = ledger(database, run_id)
    assert {i for i in ids if states[i] == "sent"} == set(handed)
    assert set(states.values()) <= {"sent", "unknown"}
    run = run_row(database, run_id)
    assert run.status == "completed"
    assert Counter(states.values()) == {
        k: v for k, v in {"sent": run.counts.sent, "unknown": run.counts.unknown}.items() if v
    }
    assert run.counts.sent + run.counts.unknown == run.counts.recipients
