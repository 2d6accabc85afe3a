"""Campaigns through the service: validation, the lifecycle and what the mailer is told,
runs requested once per occurrence, and the mailer's reports."""

import uuid
from datetime import timedelta

import pytest

from consent_service.domain.campaigns import (
    Action,
    CampaignConflict,
    CampaignNotFound,
    InvalidCampaign,
    Trigger,
)
from consent_service.services.campaigns import (
    NewCampaign,
    ReportOutcome,
    apply_report,
    change_lifecycle,
    create_campaign,
    get_campaign,
    request_run,
    start_run,
)
from consent_service.services.scheduling import schedule_due
from schemas.messages import load_message as load
from tests.campaigns.factories import CONTENT, WEEKLY_BISHKEK, run_report
from tests.unit.services.conftest import NOW
from tests.unit.services.factories import record


def new(**changes) -> NewCampaign:
    fields = {
        "name": "Weekly news",
        "purpose": "newsletters",
        "content": CONTENT,
        "schedule": WEEKLY_BISHKEK,
    }
    return NewCampaign(**fields | changes)


def create(registry, campaign: NewCampaign):
    """Create as someone who may send: the campaign is scheduled."""
    return create_campaign(
        registry.campaigns, campaign, may_send=True, default_locale="ky", now=NOW
    )


def one_off(at):
    return new(schedule={"at": at})


def messages_of(tables, schema: str) -> list[dict]:
    return [m for m in tables.messages() if m["schema"] == schema]


def test_a_campaign_is_scheduled_for_its_first_occurrence(registry) -> None:
    view = create(registry, new())
    campaign = view.campaign
    assert (campaign.status, campaign.control_version, view.runs) == ("scheduled", 0, [])
    assert campaign.next_run_at > NOW
    assert campaign.next_run_at.weekday() == 0


def test_every_problem_of_a_new_campaign_is_named_at_once(registry, tables) -> None:
    broken = new(
        purpose="transactions",
        content={"ru": {"subject": "x", "html": "{{ nope }}", "text": "x"}},
        schedule={"at": NOW - timedelta(days=1)},
    )
    with pytest.raises(InvalidCampaign) as refused:
        create(registry, broken)
    assert set(refused.value.errors) == {"purpose", "content", "schedule"}
    assert set(refused.value.errors["content"]) == {"ky", "ru"}
    assert tables.campaigns == {}


def test_the_author_is_warned_of_recipients_whose_locale_the_content_lacks(registry, links) -> None:
    record(registry, links, {"newsletters": True})  # locale ky: in the content
    ru = new(content={"ky": CONTENT["ky"]})
    for _ in range(2):
        view = record(registry, links, {"newsletters": True})
        registry.set_subject_version(view.subject_id, view.subject.version, NOW, locale="ru")
    view = create(registry, ru)
    [warning] = view.warnings
    assert (warning.locale, warning.recipients, warning.fallback_locale) == ("ru", 2, "ky")


def test_pause_resume_and_cancel_each_tell_the_mailer_under_a_higher_version(
    registry, tables
) -> None:
    campaign_id = create(registry, new()).campaign.id
    for action in (Action.PAUSE, Action.RESUME, Action.CANCEL):
        change_lifecycle(registry.campaigns, campaign_id, action, NOW)
    controls = messages_of(tables, "campaign.control/1")
    assert [(m["state"], m["version"]) for m in controls] == [
        ("paused", 1),
        ("running", 2),
        ("cancelled", 3),
    ]
    assert get_campaign(registry.campaigns, campaign_id).campaign.status == "cancelled"


@pytest.mark.parametrize(
    ("before", "action"),
    [([], Action.RESUME), ([Action.CANCEL], Action.PAUSE), ([Action.CANCEL], Action.RESUME)],
)
def test_a_move_the_status_does_not_allow_is_refused_and_tells_nothing(
    registry, tables, before, action
) -> None:
    campaign_id = create(registry, new()).campaign.id
    for earlier in before:
        change_lifecycle(registry.campaigns, campaign_id, earlier, NOW)
    sent = len(tables.outbox)
    with pytest.raises(CampaignConflict):
        change_lifecycle(registry.campaigns, campaign_id, action, NOW)
    assert len(tables.outbox) == sent


def test_a_one_off_whose_time_passed_while_paused_is_completed_on_resume(registry) -> None:
    at = NOW + timedelta(hours=1)
    campaign_id = create(registry, one_off(at)).campaign.id
    change_lifecycle(registry.campaigns, campaign_id, Action.PAUSE, NOW)
    view = change_lifecycle(registry.campaigns, campaign_id, Action.RESUME, at + timedelta(hours=1))
    assert (view.campaign.status, view.campaign.next_run_at) == ("completed", None)


def test_a_manual_run_is_planned_and_requested_together(registry, tables) -> None:
    campaign = create(registry, new()).campaign
    run_id = start_run(registry.campaigns, campaign.id, NOW)
    [run] = get_campaign(registry.campaigns, campaign.id).runs
    assert (run.id, run.trigger, run.state.status.value) == (run_id, "manual", "planned")
    [requested] = messages_of(tables, "campaign.run_requested/1")
    assert (requested["run_id"], requested["purpose"]) == (str(run_id), "newsletters")


def test_a_paused_campaign_starts_no_run(registry, tables) -> None:
    campaign_id = create(registry, new()).campaign.id
    change_lifecycle(registry.campaigns, campaign_id, Action.PAUSE, NOW)
    with pytest.raises(CampaignConflict):
        start_run(registry.campaigns, campaign_id, NOW)
    assert tables.runs == {}


def test_an_occurrence_gets_one_run_however_often_it_is_requested(registry, tables) -> None:
    campaign = create(registry, new()).campaign
    occurrence = campaign.next_run_at
    first = request_run(registry.campaigns, campaign, Trigger.SCHEDULE, occurrence, NOW)
    again = request_run(registry.campaigns, campaign, Trigger.SCHEDULE, occurrence, NOW)
    assert first is not None and again is None
    assert len(messages_of(tables, "campaign.run_requested/1")) == 1


def test_the_scheduler_turns_a_due_occurrence_into_one_run(uow, tables) -> None:
    with uow.transaction() as registry:
        campaign = create(registry, new()).campaign
    due = campaign.next_run_at
    assert schedule_due(uow, due - timedelta(seconds=1)) == 0
    assert schedule_due(uow, due + timedelta(seconds=1)) == 1
    assert schedule_due(uow, due + timedelta(seconds=2)) == 0
    [run] = tables.runs.values()
    assert (run.trigger, run.scheduled_for) == ("schedule", due)
    assert tables.campaigns[campaign.id].next_run_at == due + timedelta(days=7)


def test_a_scheduler_back_after_the_grace_skips_what_it_missed(uow, tables) -> None:
    at = NOW + timedelta(hours=1)
    with uow.transaction() as registry:
        create(registry, one_off(at))
    back = at + timedelta(hours=2)
    assert schedule_due(uow, back, grace=timedelta(minutes=15)) == 0
    [campaign] = tables.campaigns.values()
    assert (campaign.status, tables.runs) == ("completed", {})


def test_reports_are_taken_in_order_and_an_ended_one_off_completes(registry) -> None:
    at = NOW + timedelta(hours=1)
    campaign = create(registry, one_off(at)).campaign
    registry.campaigns.update_campaign(campaign.id, next_run_at=None)
    run_id = start_run(registry.campaigns, campaign.id, NOW)
    store = registry.campaigns
    sending = run_report(campaign.id, run_id, 2, "running", sent=5)
    assert apply_report(store, load(sending), NOW) is ReportOutcome.APPLIED
    assert apply_report(store, load(run_report(campaign.id, run_id, 1, "planned")), NOW) is (
        ReportOutcome.STALE
    )
    done = run_report(campaign.id, run_id, 3, "completed", sent=9)
    assert apply_report(store, load(done), NOW) is ReportOutcome.APPLIED
    view = get_campaign(store, campaign.id)
    assert (view.runs[0].state.status.value, view.runs[0].state.counts.sent) == ("completed", 9)
    assert view.campaign.status == "completed"


def test_a_report_of_a_run_nobody_knows_changes_nothing(registry) -> None:
    report = load(run_report(uuid.uuid4(), uuid.uuid4(), 1, "running"))
    assert apply_report(registry.campaigns, report, NOW) is ReportOutcome.UNKNOWN_RUN


def test_an_unknown_campaign_is_not_found(registry) -> None:
    with pytest.raises(CampaignNotFound):
        change_lifecycle(registry.campaigns, uuid.uuid4(), Action.PAUSE, NOW)
