"""Pause, resume and cancel act on whole batches; a run whose content cannot be rendered fails."""

import uuid

from mailer.domain.runs import RunRecord
from mailer.services.compose import CompositionError
from tests.fakes.mailer.outside import FakeComposer
from tests.unit.mailer.services.given import (
    batch_states,
    control,
    drive,
    ledger_states,
    make_sender,
    registry_agreeing,
    request_run,
    run_row,
    seed,
)


def test_a_paused_campaign_sends_nothing_until_it_runs_again(database, clock, backend) -> None:
    seed(database, 25)
    campaign_id = uuid.uuid4()
    run_id = request_run(database, clock, campaign_id=campaign_id)
    sender = make_sender(database, clock, backend=backend)
    sender.plan_next_run()
    assert sender.send_next_batch()
    control(database, clock, campaign_id, "paused", 1)

    drive(sender)

    assert ledger_states(database, run_id) == {"sent": 10, "planned": 15}
    assert batch_states(database, run_id) == {"done": 1, "queued": 2}
    assert run_row(database, run_id).status == "running"

    control(database, clock, campaign_id, "running", 2)
    drive(sender)
    assert ledger_states(database, run_id) == {"sent": 25}
    assert run_row(database, run_id).status == "completed"


def test_a_batch_claimed_before_the_pause_goes_back_at_its_check(database, clock, backend) -> None:
    ids = seed(database, 10)
    campaign_id = uuid.uuid4()
    run_id = request_run(database, clock, campaign_id=campaign_id)
    registry_client = registry_agreeing(database)
    registry_client.on_answer = lambda: control(database, clock, campaign_id, "paused", 1)
    sender = make_sender(database, clock, backend=backend, registry_client=registry_client)
    sender.plan_next_run()

    assert sender.send_next_batch()

    assert backend.calls == []
    assert ledger_states(database, run_id) == {"planned": len(ids)}
    assert batch_states(database, run_id) == {"queued": 1}


def test_cancelling_drains_the_remaining_batches_and_keeps_what_was_sent(
    database, clock, backend
) -> None:
    seed(database, 25)
    campaign_id = uuid.uuid4()
    run_id = request_run(database, clock, campaign_id=campaign_id)
    sender = make_sender(database, clock, backend=backend)
    sender.plan_next_run()
    sender.send_next_batch()
    control(database, clock, campaign_id, "cancelled", 1)

    drive(sender)

    assert ledger_states(database, run_id) == {"sent": 10, "cancelled": 15}
    assert batch_states(database, run_id) == {"done": 3}
    run = run_row(database, run_id)
    assert (run.status, run.counts.sent, run.counts.recipients) == ("cancelled", 10, 25)
    assert len(backend.calls) == 1


def test_a_cancelled_run_is_drained_even_while_the_registry_cannot_be_asked(
    database, clock, backend
) -> None:
    seed(database, 15)
    campaign_id = uuid.uuid4()
    run_id = request_run(database, clock, campaign_id=campaign_id)
    sender = make_sender(database, clock, backend=backend, without_registry=True)
    drive(sender)
    assert ledger_states(database, run_id) == {"planned": 15}

    control(database, clock, campaign_id, "cancelled", 1)
    drive(sender)

    assert ledger_states(database, run_id) == {"cancelled": 15}
    assert batch_states(database, run_id) == {"done": 2}
    assert backend.calls == []


def test_content_that_cannot_be_rendered_fails_the_run_and_sends_nothing(
    database, clock, backend
) -> None:
    seed(database, 15)
    run_id = request_run(database, clock)

    def broken(run: RunRecord) -> FakeComposer:
        raise CompositionError("ky.html: line 1: unexpected '}'")

    drive(make_sender(database, clock, backend=backend, composer_for=broken))

    assert backend.calls == []
    assert ledger_states(database, run_id) == {"failed": 10, "cancelled": 5}
    run = run_row(database, run_id)
    assert (run.status, run.reason) == ("failed", "ky.html: line 1: unexpected '}'")
    assert (run.counts.failed, run.counts.sent) == (10, 0)
