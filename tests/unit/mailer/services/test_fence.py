"""The send-time fence's decisions: whom it fetches, what it applies, and that no batch goes out
while the registry cannot be asked (SPEC guarantee 1)."""

import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from mailer.domain.events import PurposeState
from mailer.services.fence import FenceUnavailable, bring_up_to_date
from mailer.services.sending.fence_gate import FENCE_BACKOFF
from tests.fakes.mailer.outside import FakeRegistryClient
from tests.unit.mailer.services.given import (
    batch_states,
    drive,
    ledger,
    ledger_states,
    make_sender,
    recipient,
    registry_agreeing,
    request_run,
    seed,
    snapshot_of,
    withdrawn,
)


def test_a_withdrawal_the_registry_answered_is_fetched_and_honoured(
    database, clock, backend
) -> None:
    ids = seed(database, 10)
    run_id = request_run(database, clock)
    registry_client = registry_agreeing(database)
    registry_client.hold(withdrawn(database.tables.views[ids[3]], version=2))

    drive(make_sender(database, clock, backend=backend, registry_client=registry_client))

    assert registry_client.fetched == [[ids[3]]]
    assert ledger(database, run_id)[ids[3]] == "skipped_withdrawn"
    assert set(backend.handed) == set(ids) - {ids[3]}


def test_a_withdrawal_behind_a_newer_change_of_another_purpose_is_still_fetched(
    database, clock, backend
) -> None:
    """The view applied version 3 (promotions) before the withdrawal (version 2) arrived: the
    subject versions agree, only the purpose's own version shows the view is behind."""
    [subject_id] = seed(database, 1)
    run_id = request_run(database, clock)
    sender = make_sender(database, clock, backend=backend)
    sender.plan_next_run()
    consents = {
        "newsletters": PurposeState("granted", 1),
        "promotions": PurposeState("granted", 3),
    }
    held = recipient(subject_id)
    newer = replace(held.recipient, version=3, consents=consents)
    database.tables.views[subject_id] = replace(held, recipient=newer)
    registry_client = FakeRegistryClient(
        snapshot_of(
            held,
            version=3,
            consents={**consents, "newsletters": PurposeState("withdrawn", 2)},
        )
    )
    sender.fence.registry_client = registry_client

    drive(sender)

    assert registry_client.fetched == [[subject_id]]
    assert ledger(database, run_id) == {subject_id: "skipped_withdrawn"}
    assert backend.calls == []


def test_a_subject_the_registry_no_longer_holds_is_forgotten_and_not_emailed(
    database, clock, backend
) -> None:
    ids = seed(database, 3)
    run_id = request_run(database, clock)
    registry_client = registry_agreeing(database)
    del registry_client.snapshots[ids[0]]

    drive(make_sender(database, clock, backend=backend, registry_client=registry_client))

    assert ids[0] not in database.tables.views
    assert ledger(database, run_id)[ids[0]] == "skipped_withdrawn"
    assert set(backend.handed) == set(ids[1:])


def test_a_change_the_view_made_after_it_asked_is_newer_than_the_answer_and_kept(
    database, clock
) -> None:
    """The registry's answer lacks a subject the view changed meanwhile: its first event
    arrived after the question, so the answer is older than the view."""
    [subject_id] = seed(database, 1)
    registry_client = FakeRegistryClient()

    def meanwhile() -> None:
        database.tables.views[subject_id] = recipient(subject_id, version=2)

    registry_client.on_answer = meanwhile
    changed = bring_up_to_date(database, registry_client, [subject_id], "newsletters", clock.now())
    assert changed == 0
    assert database.tables.views[subject_id].recipient.version == 2


def test_a_suppression_that_moved_no_version_is_learnt_at_the_fence(
    database, clock, backend
) -> None:
    ids = seed(database, 2)
    run_id = request_run(database, clock)
    registry_client = registry_agreeing(database)
    registry_client.suppressed.add(ids[0])
    registry_client.hold(snapshot_of(database.tables.views[ids[0]], suppressed=True))

    drive(make_sender(database, clock, backend=backend, registry_client=registry_client))

    assert database.tables.views[ids[0]].recipient.suppressed
    row = database.tables.deliveries[run_id, ids[0]]
    assert (row.state, row.reason) == ("skipped_withdrawn", "suppressed")
    assert set(backend.handed) == {ids[1]}


def test_a_registry_in_step_with_the_view_is_asked_but_nothing_is_fetched(database, clock) -> None:
    ids = seed(database, 12)
    request_run(database, clock)
    registry_client = registry_agreeing(database)
    drive(make_sender(database, clock, registry_client=registry_client))
    assert registry_client.asked == [ids[:10], ids[10:]]
    assert registry_client.fetched == []


def test_the_fence_raises_unavailable_when_the_registry_cannot_be_asked(database, clock) -> None:
    ids = seed(database, 1)
    registry_client = FakeRegistryClient()
    registry_client.down = True
    with pytest.raises(FenceUnavailable, match="503"):
        bring_up_to_date(database, registry_client, ids, "newsletters", clock.now())


def test_no_batch_goes_out_while_the_registry_is_down_and_the_worker_backs_off(
    database, clock, backend, caplog: pytest.LogCaptureFixture
) -> None:
    seed(database, 15)
    run_id = request_run(database, clock)
    registry_client = registry_agreeing(database)
    registry_client.down = True
    sender = make_sender(database, clock, backend=backend, registry_client=registry_client)
    sender.plan_next_run()

    with caplog.at_level(logging.WARNING):
        assert sender.send_next_batch()
        assert not sender.send_next_batch(), "a closed fence must back off, not spin"

    assert ledger_states(database, run_id) == {"planned": 15}
    assert batch_states(database, run_id) == {"queued": 2}
    fenced = [r for r in caplog.records if getattr(r, "event", "") == "batch_fenced"]
    assert [r.retry_in for r in fenced] == [FENCE_BACKOFF[0]]

    registry_client.down = False
    clock.advance(timedelta(seconds=FENCE_BACKOFF[0]))
    drive(sender)
    assert ledger_states(database, run_id) == {"sent": 15}


def test_the_back_off_grows_with_each_failure_and_starts_over_after_a_success(
    database, clock, caplog: pytest.LogCaptureFixture
) -> None:
    seed(database, 30)
    request_run(database, clock)
    registry_client = registry_agreeing(database)
    registry_client.down = True
    sender = make_sender(database, clock, registry_client=registry_client, batch_size=1)
    sender.plan_next_run()

    def fenced_for() -> float:
        """Send while fenced; how long the worker then waits before it tries again."""
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            assert sender.send_next_batch()
        [fenced] = [r for r in caplog.records if getattr(r, "event", "") == "batch_fenced"]
        clock.advance(timedelta(seconds=fenced.retry_in - 0.01))
        assert not sender.send_next_batch(), "tried again before the back-off was over"
        clock.advance(timedelta(seconds=0.01))
        return fenced.retry_in

    waits = [fenced_for() for _ in range(len(FENCE_BACKOFF) + 1)]
    assert waits == [*FENCE_BACKOFF, FENCE_BACKOFF[-1]]

    registry_client.down = False
    assert sender.send_next_batch()
    registry_client.down = True
    assert fenced_for() == FENCE_BACKOFF[0]


def test_without_a_registry_key_campaign_batches_wait(database, clock, backend) -> None:
    seed(database, 5)
    run_id = request_run(database, clock)
    drive(make_sender(database, clock, backend=backend, without_registry=True))
    assert ledger_states(database, run_id) == {"planned": 5}
    assert backend.calls == []


def test_every_batch_records_when_its_check_began_before_the_registry_is_asked(
    database, clock
) -> None:
    seed(database, 3)
    run_id = request_run(database, clock)
    registry_client = registry_agreeing(database)
    checked: list[object] = []
    registry_client.on_answer = lambda: checked.append(
        database.tables.batches[run_id, 0].checked_at
    )
    drive(make_sender(database, clock, registry_client=registry_client))
    assert checked == [clock.at]
