"""Sending a run: the send-time check, the cap, outcomes, pause and cancel, on both databases.

Emails go through the real file backend; a recording stand-in is used only where a test
needs the backend to answer something the file backend never does.
"""

import uuid
from pathlib import Path

import pytest

from mailer.adapters.email import make_backend
from mailer.domain.outgoing import Outcome
from mailer.services.sending.sender import Sender
from tests.fake_sendgrid import DEFAULT_KEY, FakeSendGrid
from tests.mailer import factories
from tests.mailer.runs import (
    MirrorRegistryClient,
    RecordingBackend,
    apply,
    batch_states,
    counts,
    drive,
    emails_per_subject,
    file_backend,
    ledger,
    ledger_states,
    outbox,
    request_run,
    run_row,
    seed,
    settings,
    weekly,
)


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


def sender(unit_of_work, instance: Path, backend=None, registry_client=None, **changes) -> Sender:
    sending = settings(**changes)
    return Sender(
        unit_of_work,
        backend or file_backend(instance, sending),
        registry_client or MirrorRegistryClient(unit_of_work),
        None,
        sending,
    )


def test_a_run_emails_every_granted_recipient_once_and_completes(unit_of_work, instance) -> None:
    ids = seed(unit_of_work, 25)
    run_id = request_run(unit_of_work)

    drive(sender(unit_of_work, instance))

    run = run_row(unit_of_work, run_id)
    assert run.status == "completed"
    assert run.finished_at is not None
    assert counts(run) == {
        "recipients": 25,
        "sent": 25,
        "skipped_withdrawn": 0,
        "skipped_capped": 0,
        "failed": 0,
        "unknown": 0,
    }
    assert emails_per_subject(instance, run_id) == dict.fromkeys(ids, 1)
    assert batch_states(unit_of_work, run_id) == {"done": 3}
    assert (run.batches_open, run.report_sequence) == (0, 1 + 3)
    [first, *_] = outbox(instance)
    assert first.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_withdrawal_in_the_view_after_planning_is_honoured_at_the_batch_check(
    unit_of_work, instance
) -> None:
    ids = seed(unit_of_work, 10)
    run_id = request_run(unit_of_work)
    worker = sender(unit_of_work, instance)
    worker.plan_next_run()
    apply(unit_of_work, factories.consent_changed(ids[3], 2, status="withdrawn"))

    drive(worker)

    assert ids[3] not in emails_per_subject(instance, run_id)
    assert ledger(unit_of_work, run_id)[ids[3]] == "skipped_withdrawn"
    assert counts(run_row(unit_of_work, run_id))["skipped_withdrawn"] == 1
    assert counts(run_row(unit_of_work, run_id))["sent"] == 9


def test_a_withdrawal_only_the_registry_knows_of_is_honoured_at_the_batch_check(
    unit_of_work, instance
) -> None:
    """The message about it has not reached the mailer (or was lost): the fence fetches it."""
    ids = seed(unit_of_work, 10)
    run_id = request_run(unit_of_work)
    registry_client = MirrorRegistryClient(unit_of_work)
    worker = sender(unit_of_work, instance, registry_client=registry_client)
    worker.plan_next_run()
    registry_client.withdraw(ids[5], version=2)

    drive(worker)

    assert ids[5] not in emails_per_subject(instance, run_id)
    assert ledger(unit_of_work, run_id)[ids[5]] == "skipped_withdrawn"
    assert registry_client.fetched == [[ids[5]]]
    with unit_of_work() as store:
        assert store.load(ids[5]).recipient.consents["newsletters"].status == "withdrawn"


def test_someone_the_registry_no_longer_holds_is_forgotten_and_not_emailed(
    unit_of_work, instance
) -> None:
    ids = seed(unit_of_work, 4)
    run_id = request_run(unit_of_work)
    registry_client = MirrorRegistryClient(unit_of_work)
    registry_client.forgotten.add(ids[0])

    drive(sender(unit_of_work, instance, registry_client=registry_client))

    assert ledger(unit_of_work, run_id)[ids[0]] == "skipped_withdrawn"
    assert set(emails_per_subject(instance, run_id)) == set(ids[1:])
    with unit_of_work() as store:
        assert store.load(ids[0]).recipient is None


def test_the_frequency_cap_counts_emails_of_every_campaign(unit_of_work, instance) -> None:
    ids = seed(unit_of_work, 6)
    first, second, third = (request_run(unit_of_work) for _ in range(3))
    worker = sender(unit_of_work, instance, frequency_cap=weekly(2))

    drive(worker)

    assert counts(run_row(unit_of_work, first))["sent"] == 6
    assert counts(run_row(unit_of_work, second))["sent"] == 6
    third_run = run_row(unit_of_work, third)
    assert (third_run.status, counts(third_run)["skipped_capped"]) == ("completed", 6)
    assert set(ledger(unit_of_work, third).values()) == {"skipped_capped"}
    assert emails_per_subject(instance, third) == {}
    assert len(outbox(instance)) == 2 * len(ids)


def test_without_a_cap_nobody_is_ever_capped(unit_of_work, instance) -> None:
    seed(unit_of_work, 3)
    runs_ = [request_run(unit_of_work) for _ in range(4)]
    drive(sender(unit_of_work, instance))
    assert [counts(run_row(unit_of_work, r))["sent"] for r in runs_] == [3, 3, 3, 3]


def test_backend_outcomes_are_recorded_per_recipient_with_their_reasons(
    unit_of_work, instance
) -> None:
    ids = seed(unit_of_work, 5)
    run_id = request_run(unit_of_work)
    answers = {
        ids[0]: Outcome(ids[0], "failed", "550 mailbox unavailable"),
        ids[1]: Outcome(ids[1], "unknown", "timed out"),
    }
    backend = RecordingBackend(answer=lambda i: answers.get(i, Outcome(i, "sent")))

    drive(sender(unit_of_work, instance, backend=backend))

    assert ledger_states(unit_of_work, run_id) == {"sent": 3, "failed": 1, "unknown": 1}
    run = run_row(unit_of_work, run_id)
    assert (counts(run)["failed"], counts(run)["unknown"], run.status) == (1, 1, "completed")
    assert backend.handed == dict.fromkeys(ids, 1)


def test_a_recipient_the_backend_gave_no_outcome_for_is_unknown_never_resent(
    unit_of_work, instance
) -> None:
    ids = seed(unit_of_work, 4)
    run_id = request_run(unit_of_work)
    backend = RecordingBackend(answer=lambda i: None if i == ids[2] else Outcome(i, "sent"))

    drive(sender(unit_of_work, instance, backend=backend))

    assert ledger(unit_of_work, run_id)[ids[2]] == "unknown"
    assert ledger_states(unit_of_work, run_id) == {"sent": 3, "unknown": 1}
    assert backend.handed == dict.fromkeys(ids, 1)


def test_a_batch_goes_to_the_backend_in_chunks_of_its_limit(unit_of_work, instance) -> None:
    seed(unit_of_work, 10)
    request_run(unit_of_work)
    backend = RecordingBackend(max_envelopes=4)
    drive(sender(unit_of_work, instance, backend=backend))
    assert sorted(len(call.envelopes) for call in backend.calls) == [2, 4, 4]


def test_content_that_cannot_be_rendered_fails_the_run_and_sends_nothing(
    unit_of_work, instance
) -> None:
    seed(unit_of_work, 25)
    broken = {"ky": {"subject": "Hi", "html": "{{ 1 / 0 }}", "text": "x"}}
    run_id = request_run(unit_of_work, content=broken)
    backend = RecordingBackend()

    drive(sender(unit_of_work, instance, backend=backend))

    run = run_row(unit_of_work, run_id)
    assert (run.status, "ZeroDivisionError" in run.reason) == ("failed", True)
    assert backend.calls == []
    assert ledger_states(unit_of_work, run_id) == {"failed": 10, "cancelled": 15}
    assert batch_states(unit_of_work, run_id) == {"done": 3}


def test_a_paused_campaign_keeps_its_batches_until_a_newer_running_state(
    unit_of_work, instance
) -> None:
    seed(unit_of_work, 30)
    campaign_id = uuid.uuid4()
    run_id = request_run(unit_of_work, campaign_id=campaign_id)
    worker = sender(unit_of_work, instance)
    worker.plan_next_run()
    assert worker.send_next_batch()

    apply(unit_of_work, factories.campaign_control(campaign_id, "paused", 1))
    assert not worker.send_next_batch()
    assert ledger_states(unit_of_work, run_id) == {"sent": 10, "planned": 20}
    assert run_row(unit_of_work, run_id).status == "running"

    apply(unit_of_work, factories.campaign_control(campaign_id, "running", 2))
    drive(worker)
    assert ledger_states(unit_of_work, run_id) == {"sent": 30}
    assert run_row(unit_of_work, run_id).status == "completed"


def test_a_pause_arriving_while_a_batch_is_taken_puts_the_batch_back_unsent(
    unit_of_work, instance
) -> None:
    seed(unit_of_work, 10)
    campaign_id = uuid.uuid4()
    run_id = request_run(unit_of_work, campaign_id=campaign_id)
    registry_client = MirrorRegistryClient(unit_of_work)
    registry_client.on_versions = lambda: apply(
        unit_of_work, factories.campaign_control(campaign_id, "paused", 1)
    )
    worker = sender(unit_of_work, instance, registry_client=registry_client)
    worker.plan_next_run()

    assert worker.send_next_batch()

    assert emails_per_subject(instance, run_id) == {}
    assert batch_states(unit_of_work, run_id) == {"queued": 1}
    assert ledger_states(unit_of_work, run_id) == {"planned": 10}


def test_cancelling_mid_run_sends_no_further_batch_and_cancels_the_rest(
    unit_of_work, instance
) -> None:
    seed(unit_of_work, 30)
    campaign_id = uuid.uuid4()
    run_id = request_run(unit_of_work, campaign_id=campaign_id)
    worker = sender(unit_of_work, instance)
    worker.plan_next_run()
    assert worker.send_next_batch()

    apply(unit_of_work, factories.campaign_control(campaign_id, "cancelled", 1))
    drive(worker)

    run = run_row(unit_of_work, run_id)
    assert (run.status, run.batches_open) == ("cancelled", 0)
    assert counts(run)["sent"] == 10
    assert ledger_states(unit_of_work, run_id) == {"sent": 10, "cancelled": 20}
    assert sum(emails_per_subject(instance, run_id).values()) == 10
    assert batch_states(unit_of_work, run_id) == {"done": 3}


def test_a_run_completes_through_sendgrid_answering_429_and_500_without_duplicates(
    unit_of_work, instance, fake_sendgrid: FakeSendGrid
) -> None:
    ids = seed(unit_of_work, 30)
    run_id = request_run(unit_of_work)
    sending = settings(
        backend="sendgrid", sendgrid_api_key=DEFAULT_KEY, sendgrid_host=fake_sendgrid.url
    )
    backend = make_backend(sending, instance, sleep=lambda _seconds: None)
    fake_sendgrid.fail_next(429, 2, retry_after=1)
    fake_sendgrid.fail_next(500, 2)

    drive(Sender(unit_of_work, backend, MirrorRegistryClient(unit_of_work), None, sending))

    assert run_row(unit_of_work, run_id).status == "completed"
    assert ledger_states(unit_of_work, run_id) == {"sent": 30}
    stats = fake_sendgrid.stats()
    assert (stats["distinct_recipients"], stats["duplicates"]) == (len(ids), 0)
    assert stats["statuses"]["429"] == 2
    assert stats["statuses"]["500"] == 2
