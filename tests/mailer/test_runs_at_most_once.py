"""At most once (SPEC guarantee 4): killed workers, lost leases and two workers on one run."""

import threading
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from mailer.adapters.repository import transaction
from mailer.services.sending.sender import LEASE, Sender
from plumbing.db import make_engine, session_factory
from tests.mailer.brokers import wait_until
from tests.mailer.runs import (
    HandClock,
    Killed,
    KilledAfter,
    MirrorRegistryClient,
    batch_states,
    counts,
    drive,
    emails_per_subject,
    file_backend,
    ledger,
    ledger_states,
    request_run,
    run_row,
    seed,
    settings,
)


def test_a_batch_taken_over_from_a_killed_worker_never_sends_its_claimed_rows_again(
    unit_of_work, tmp_path: Path
) -> None:
    """The first worker dies after one backend call of a batch's two: the rows it had claimed
    but not recorded become `unknown`; the rest of the run goes out once."""
    ids = seed(unit_of_work, 20)
    run_id = request_run(unit_of_work)
    instance = tmp_path / "instance"
    dying = Sender(
        unit_of_work,
        KilledAfter(file_backend(instance), calls=1, max_envelopes=5),
        MirrorRegistryClient(unit_of_work),
        None,
        settings(),
    )
    dying.plan_next_run()
    with pytest.raises(Killed):
        dying.send_next_batch()
    assert ledger_states(unit_of_work, run_id) == {"sent": 5, "claimed": 5, "planned": 10}

    successor = Sender(
        unit_of_work,
        file_backend(instance),
        MirrorRegistryClient(unit_of_work),
        None,
        settings(),
        clock=HandClock(ahead=LEASE + timedelta(seconds=1)),
    )
    drive(successor)

    sent = emails_per_subject(instance, run_id)
    assert sent == dict.fromkeys(sent, 1)
    assert len(sent) == 15
    states = ledger(unit_of_work, run_id)
    assert {i for i in ids if states[i] == "unknown"} == set(ids) - set(sent)
    run = run_row(unit_of_work, run_id)
    assert run.status == "completed"
    assert (counts(run)["sent"], counts(run)["unknown"]) == (15, 5)


def test_a_batch_whose_lease_is_renewed_is_not_taken_over(unit_of_work) -> None:
    seed(unit_of_work, 10)
    request_run(unit_of_work)
    Sender(unit_of_work, None, None, None, settings()).plan_next_run()
    start = datetime.now(UTC)
    with unit_of_work() as store:
        claim = store.batches.claim(start, start + LEASE)
    with unit_of_work() as store:
        assert store.batches.hold(claim, start + LEASE * 2) is not None
    with unit_of_work() as store:
        assert store.batches.claim(start + LEASE * 1.5, start + LEASE * 3) is None
        assert store.batches.claim(start + LEASE * 2.5, start + LEASE * 4) is not None


def test_a_worker_that_lost_its_batch_can_neither_record_nor_close_it(unit_of_work) -> None:
    ids = seed(unit_of_work, 10)
    run_id = request_run(unit_of_work)
    Sender(unit_of_work, None, None, None, settings()).plan_next_run()
    start = datetime.now(UTC)
    with unit_of_work() as store:
        slow = store.batches.claim(start, start + LEASE)
    with unit_of_work() as store:
        store.ledger.mark(run_id, ids[:4], "planned", "claimed", start)
    with unit_of_work() as store:
        taker = store.batches.claim(start + LEASE * 2, start + LEASE * 3)
    assert (taker.attempt, taker.taken_over) == (2, 4)

    with unit_of_work() as store:
        assert store.batches.hold(slow, start + LEASE * 4) is None
        assert store.ledger.mark(run_id, ids[:4], "claimed", "sent", start) == []
        assert store.batches.finish(slow, start) is None
    with unit_of_work() as store:
        assert store.batches.finish(taker, start) is not None
    assert ledger_states(unit_of_work, run_id) == {"unknown": 4, "planned": 6}


def test_two_workers_on_one_run_email_every_recipient_exactly_once(
    mailer_database_url: str, unit_of_work, tmp_path: Path
) -> None:
    ids = seed(unit_of_work, 300)
    run_id = request_run(unit_of_work)
    instance = tmp_path / "instance"
    engines = [make_engine(mailer_database_url) for _ in range(2)]
    workers = [
        Sender(
            partial(transaction, session_factory(engine)),
            file_backend(instance),
            MirrorRegistryClient(unit_of_work),
            None,
            settings(batch_size=7),
        )
        for engine in engines
    ]
    threads = [threading.Thread(target=worker.run, daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: run_row(unit_of_work, run_id).status == "completed", timeout=60)
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(timeout=30)
        for engine in engines:
            engine.dispose()

    assert emails_per_subject(instance, run_id) == dict.fromkeys(ids, 1)
    assert ledger_states(unit_of_work, run_id) == {"sent": 300}
    run = run_row(unit_of_work, run_id)
    assert (counts(run)["sent"], run.batches_open, run.batches_total) == (300, 0, 43)


def test_a_worker_told_to_stop_before_the_check_returns_its_batch_unsent(
    unit_of_work, tmp_path: Path
) -> None:
    seed(unit_of_work, 10)
    run_id = request_run(unit_of_work)
    worker = Sender(
        unit_of_work, file_backend(tmp_path), MirrorRegistryClient(unit_of_work), None, settings()
    )
    worker.plan_next_run()
    worker.stop()
    assert worker.send_next_batch()
    assert ledger_states(unit_of_work, run_id) == {"planned": 10}
    assert batch_states(unit_of_work, run_id) == {"queued": 1}


def test_claims_are_committed_before_the_backend_is_called(unit_of_work, tmp_path: Path) -> None:
    ids = seed(unit_of_work, 3)
    run_id = request_run(unit_of_work)
    seen: list[dict[uuid.UUID, str]] = []

    class Inspecting:
        max_envelopes = 1000

        def send(self, outgoing):
            seen.append(ledger(unit_of_work, run_id))
            return file_backend(tmp_path).send(outgoing)

    drive(Sender(unit_of_work, Inspecting(), MirrorRegistryClient(unit_of_work), None, settings()))
    assert seen == [dict.fromkeys(ids, "claimed")]
