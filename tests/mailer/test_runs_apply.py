"""Campaign commands and confirmation requests as the consumer applies them, on both databases."""

import uuid

from sqlalchemy import func, select

from mailer.adapters import orm
from tests.mailer import factories
from tests.mailer.runs import apply, request_run, run_row


def confirmation_rows(unit_of_work) -> list[orm.Confirmation]:
    with unit_of_work() as store:
        return list(store.session.scalars(select(orm.Confirmation)))


def test_a_requested_run_is_recorded_as_planned_with_its_content(unit_of_work) -> None:
    body = factories.run_requested(purpose="promotions")
    assert apply(unit_of_work, body) == "applied"
    run = run_row(unit_of_work, uuid.UUID(body["run_id"]))
    assert (run.status, run.purpose, run.default_locale) == ("planned", "promotions", "ky")
    assert run.content == body["content"]
    assert (run.recipients, run.report_sequence, run.reported_sequence) == (0, 0, 0)


def test_a_run_requested_twice_is_recorded_once_by_message_and_by_run_id(unit_of_work) -> None:
    body = factories.run_requested()
    assert apply(unit_of_work, body) == "applied"
    assert apply(unit_of_work, body) == "duplicate"
    again = body | {"message_id": str(uuid.uuid4()), "campaign_name": "Renamed"}
    assert apply(unit_of_work, again) == "duplicate"
    assert run_row(unit_of_work, uuid.UUID(body["run_id"])).campaign_name == "Weekly news"


def test_a_run_of_a_cancelled_campaign_is_cancelled_at_once_and_reported(unit_of_work) -> None:
    campaign_id = uuid.uuid4()
    apply(unit_of_work, factories.campaign_control(campaign_id, "cancelled", 3))
    run = run_row(unit_of_work, request_run(unit_of_work, campaign_id=campaign_id))
    assert run.status == "cancelled"
    assert run.finished_at is not None
    assert run.report_sequence > run.reported_sequence


def test_a_campaign_keeps_the_state_of_the_highest_version(unit_of_work) -> None:
    campaign_id = uuid.uuid4()
    assert apply(unit_of_work, factories.campaign_control(campaign_id, "paused", 2)) == "applied"
    late = factories.campaign_control(campaign_id, "running", 1)
    assert apply(unit_of_work, late) == "stale"
    with unit_of_work() as store:
        assert store.campaigns.state(campaign_id) == "paused"
    assert apply(unit_of_work, factories.campaign_control(campaign_id, "running", 3)) == "applied"
    with unit_of_work() as store:
        assert store.campaigns.state(campaign_id) == "running"


def test_cancelling_a_campaign_cancels_its_unfinished_runs_only(unit_of_work) -> None:
    campaign_id = uuid.uuid4()
    first = request_run(unit_of_work, campaign_id=campaign_id)
    second = request_run(unit_of_work, campaign_id=campaign_id)
    other = request_run(unit_of_work)
    with unit_of_work() as store:
        store.session.get(orm.Run, first).status = "completed"
    apply(unit_of_work, factories.campaign_control(campaign_id, "cancelled", 1))
    assert run_row(unit_of_work, first).status == "completed"
    cancelled = run_row(unit_of_work, second)
    assert (cancelled.status, cancelled.reason) == ("cancelled", "campaign cancelled")
    assert cancelled.report_sequence == 1
    assert run_row(unit_of_work, other).status == "planned"


def test_a_confirmation_request_queues_one_email_however_often_it_arrives(unit_of_work) -> None:
    subject_id = uuid.uuid4()
    body = factories.confirmation_requested(subject_id, 1)
    assert apply(unit_of_work, body) == "applied"
    assert apply(unit_of_work, body) == "duplicate"
    [row] = confirmation_rows(unit_of_work)
    assert (row.subject_id, row.address, row.state) == (subject_id, "aigul@example.kg", "queued")
    assert row.purposes == ["newsletters"]


def test_erasure_deletes_the_subjects_confirmation_emails(unit_of_work) -> None:
    subject_id, other = uuid.uuid4(), uuid.uuid4()
    apply(unit_of_work, factories.confirmation_requested(subject_id, 1))
    apply(unit_of_work, factories.confirmation_requested(other, 1, email="other@example.kg"))
    apply(unit_of_work, factories.subject_erased(subject_id, 2))
    assert [row.subject_id for row in confirmation_rows(unit_of_work)] == [other]


def test_a_confirmation_request_older_than_the_erasure_is_not_queued(unit_of_work) -> None:
    subject_id = uuid.uuid4()
    apply(unit_of_work, factories.subject_erased(subject_id, 3))
    assert apply(unit_of_work, factories.confirmation_requested(subject_id, 2)) == "stale"
    with unit_of_work() as store:
        assert store.session.scalar(select(func.count()).select_from(orm.Confirmation)) == 0
