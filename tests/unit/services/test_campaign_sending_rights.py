"""Who may make mail go out: drafts, edits, retries and test sends on the in-memory fakes.

`campaigns:send` is the right to send (decision 0030): without it a new or edited campaign
is a draft that never runs; with it a draft is scheduled by giving it a schedule.
"""

import uuid
from datetime import timedelta

import pytest

from consent_service.domain.campaigns import CampaignConflict, InvalidCampaign, RunNotFound
from consent_service.services.campaign_edits import CampaignChanges, update_campaign
from consent_service.services.campaign_retries import retry_failed
from consent_service.services.campaign_tests import TESTS_PER_HOUR, TooManyTests, send_test
from consent_service.services.campaigns import (
    NewCampaign,
    apply_report,
    create_campaign,
    start_run,
)
from consent_service.services.scheduling import schedule_due
from schemas.messages import load_message as load
from tests.campaigns.factories import CONTENT, WEEKLY_BISHKEK, run_report
from tests.unit.services.conftest import NOW

STAFF = "aigul@shop.example.kg"


def create(registry, *, may_send: bool, schedule=WEEKLY_BISHKEK):
    new = NewCampaign("Weekly news", "newsletters", CONTENT, schedule)
    return create_campaign(
        registry.campaigns, new, may_send=may_send, default_locale="ky", now=NOW
    ).campaign


def edit(registry, campaign_id, *, may_send: bool, now=NOW, **changes):
    return update_campaign(
        registry.campaigns, campaign_id, CampaignChanges(**changes), may_send=may_send, now=now
    ).campaign


def messages_of(tables, schema: str) -> list[dict]:
    return [m for m in tables.messages() if m["schema"] == schema]


def finished_run(registry, campaign_id, **counts) -> uuid.UUID:
    run_id = start_run(registry.campaigns, campaign_id, NOW)
    report = run_report(campaign_id, run_id, 1, "completed", **counts)
    apply_report(registry.campaigns, load(report), NOW)
    return run_id


# drafts


def test_a_campaign_created_without_the_right_to_send_is_a_draft_that_never_runs(
    registry, uow, tables
) -> None:
    campaign = create(registry, may_send=False)
    assert (campaign.status, campaign.next_run_at) == ("draft", None)
    assert campaign.schedule == {"rrule": WEEKLY_BISHKEK["rrule"], "timezone": "Asia/Bishkek"}
    schedule_due(uow, NOW + timedelta(days=30))
    assert tables.runs == {}
    with pytest.raises(CampaignConflict):
        start_run(registry.campaigns, campaign.id, NOW)


def test_a_campaign_without_a_schedule_is_a_draft_even_for_a_sender(registry) -> None:
    campaign = create(registry, may_send=True, schedule=None)
    assert (campaign.status, campaign.schedule, campaign.next_run_at) == ("draft", None, None)


def test_a_sender_schedules_a_draft_by_giving_it_a_schedule(registry, tables) -> None:
    campaign = create(registry, may_send=False)
    kept = edit(registry, campaign.id, may_send=True, name="Renamed")
    assert kept.status == "draft"
    scheduled = edit(registry, campaign.id, may_send=True, schedule=WEEKLY_BISHKEK)
    assert scheduled.status == "scheduled"
    assert scheduled.next_run_at is not None and scheduled.next_run_at > NOW
    [control] = messages_of(tables, "campaign.control/1")
    assert (control["state"], control["version"]) == ("running", 1)


def test_an_edit_without_the_right_to_send_makes_a_scheduled_campaign_a_draft(
    registry, tables
) -> None:
    campaign = create(registry, may_send=True)
    edited = edit(registry, campaign.id, may_send=False, name="Changed by marketing")
    assert (edited.status, edited.next_run_at, edited.name) == (
        "draft",
        None,
        "Changed by marketing",
    )
    [control] = messages_of(tables, "campaign.control/1")
    assert control["state"] == "paused"


@pytest.mark.parametrize(
    "changes",
    [{}, {"name": "Weekly news", "purpose": "newsletters", "content": CONTENT}],
    ids=["empty", "the same values"],
)
def test_an_edit_that_changes_nothing_leaves_a_scheduled_campaign_as_it_was(
    registry, tables, changes
) -> None:
    campaign = create(registry, may_send=True)
    kept = edit(registry, campaign.id, may_send=False, now=NOW + timedelta(hours=1), **changes)
    assert (kept.status, kept.next_run_at, kept.updated_at) == (
        "scheduled",
        campaign.next_run_at,
        campaign.updated_at,
    )
    assert messages_of(tables, "campaign.control/1") == []


def test_a_schedule_given_without_the_right_to_send_is_kept_but_does_not_schedule(
    registry,
) -> None:
    campaign = create(registry, may_send=False, schedule=None)
    edited = edit(registry, campaign.id, may_send=False, schedule={"at": NOW + timedelta(days=2)})
    assert (edited.status, edited.next_run_at) == ("draft", None)
    assert edited.schedule is not None


# edits


def test_an_edit_changes_one_locale_and_keeps_the_others(registry) -> None:
    campaign = create(registry, may_send=True)
    ru = {"subject": "Новости", "html": "<p>Привет</p>", "text": "Привет"}
    edited = edit(registry, campaign.id, may_send=True, content={"ru": ru, "en": None})
    assert edited.content == {"ky": CONTENT["ky"], "ru": ru}
    assert edited.status == "scheduled"
    assert edited.next_run_at == campaign.next_run_at


def test_an_invalid_edit_names_every_problem_and_changes_nothing(registry, tables) -> None:
    campaign = create(registry, may_send=True)
    broken = {"ky": {"subject": "x", "html": "{{ nope(", "text": "x"}}
    with pytest.raises(InvalidCampaign) as refused:
        edit(
            registry,
            campaign.id,
            may_send=True,
            purpose="transactions",
            content=broken,
            schedule={"at": NOW - timedelta(days=1)},
        )
    assert set(refused.value.errors) == {"purpose", "content", "schedule"}
    assert tables.campaigns[campaign.id] == campaign


def test_removing_the_default_locale_is_refused(registry) -> None:
    campaign = create(registry, may_send=True)
    with pytest.raises(InvalidCampaign) as refused:
        edit(registry, campaign.id, may_send=True, content={"ky": None})
    assert "content" in refused.value.errors


def test_a_campaign_with_a_run_in_progress_cannot_be_edited(registry) -> None:
    campaign = create(registry, may_send=True)
    start_run(registry.campaigns, campaign.id, NOW)
    with pytest.raises(CampaignConflict):
        edit(registry, campaign.id, may_send=True, name="Too late")


@pytest.mark.parametrize("ended", ["cancelled", "completed"])
def test_an_ended_campaign_cannot_be_edited(registry, ended) -> None:
    campaign = create(registry, may_send=True)
    registry.campaigns.update_campaign(campaign.id, status=ended)
    with pytest.raises(CampaignConflict):
        edit(registry, campaign.id, may_send=True, name="Too late")


# retries


def test_a_retry_requests_a_run_of_the_failed_recipients_once(registry, tables) -> None:
    campaign = create(registry, may_send=True)
    run_id = finished_run(registry, campaign.id, recipients=5, sent=3, failed=1, unknown=1)
    retry_id = retry_failed(registry.campaigns, campaign.id, run_id, NOW)
    retry = tables.runs[retry_id]
    assert (retry.trigger, retry.retry_of, retry.state.status.value) == ("retry", run_id, "planned")
    [requested] = [
        m for m in messages_of(tables, "campaign.run_requested/1") if m["run_id"] == str(retry_id)
    ]
    assert requested["retry_of"] == str(run_id)
    with pytest.raises(CampaignConflict, match="retried already"):
        retry_failed(registry.campaigns, campaign.id, run_id, NOW)


def test_a_run_with_no_failures_or_still_going_is_not_retried(registry) -> None:
    campaign = create(registry, may_send=True)
    clean = finished_run(registry, campaign.id, recipients=2, sent=1, unknown=1)
    with pytest.raises(CampaignConflict, match="nothing to retry"):
        retry_failed(registry.campaigns, campaign.id, clean, NOW)
    going = start_run(registry.campaigns, campaign.id, NOW)
    with pytest.raises(CampaignConflict, match="not ended"):
        retry_failed(registry.campaigns, campaign.id, going, NOW)


def test_a_paused_campaigns_runs_are_not_retried_and_a_strangers_run_is_not_found(
    registry,
) -> None:
    campaign = create(registry, may_send=True)
    other = create(registry, may_send=True)
    run_id = finished_run(registry, campaign.id, recipients=1, failed=1)
    with pytest.raises(RunNotFound):
        retry_failed(registry.campaigns, other.id, run_id, NOW)
    registry.campaigns.update_campaign(campaign.id, status="paused")
    with pytest.raises(CampaignConflict):
        retry_failed(registry.campaigns, campaign.id, run_id, NOW)


# test sends


def test_a_test_goes_only_to_staff_and_configured_addresses(registry, tables) -> None:
    tables.staff_addresses = {STAFF: True, "gone@shop.example.kg": False}
    campaign = create(registry, may_send=False)
    store = registry.campaigns
    to = [STAFF.upper(), "qa@agency.example", "gone@shop.example.kg", "reader@example.kg"]
    with pytest.raises(InvalidCampaign) as refused:
        send_test(store, store, campaign.id, to, actor="k1", allowed=["QA@agency.example"], now=NOW)
    assert set(refused.value.errors["to"]) == {"2", "3"}
    assert messages_of(tables, "campaign.test_requested/1") == []
    assert tables.test_sends == []
    sent = send_test(
        store, store, campaign.id, to[:2], actor="k1", allowed=["qa@agency.example"], now=NOW
    )
    [message] = messages_of(tables, "campaign.test_requested/1")
    assert message["to"] == to[:2] and message["locale"] == "ky" == sent.locale
    assert tables.runs == {}


def test_a_test_in_a_locale_the_campaign_lacks_is_refused(registry, tables) -> None:
    tables.staff_addresses = {STAFF: True}
    campaign = create(registry, may_send=True)
    with pytest.raises(InvalidCampaign) as refused:
        send_test(
            registry.campaigns,
            registry.campaigns,
            campaign.id,
            [STAFF],
            actor="k",
            locale="ru",
            now=NOW,
        )
    assert "locale" in refused.value.errors


def test_test_sends_are_limited_per_campaign_and_actor_per_hour(registry, tables) -> None:
    tables.staff_addresses = {STAFF: True}
    campaign = create(registry, may_send=True)
    store = registry.campaigns

    def test(actor: str, at) -> None:
        send_test(store, store, campaign.id, [STAFF], actor=actor, now=at)

    for minute in range(TESTS_PER_HOUR):
        test("k1", NOW + timedelta(minutes=minute))
    with pytest.raises(TooManyTests) as limited:
        test("k1", NOW + timedelta(minutes=30))
    assert limited.value.retry_after == 30 * 60
    test("k2", NOW + timedelta(minutes=30))
    test("k1", NOW + timedelta(minutes=60, seconds=1))
    assert len(messages_of(tables, "campaign.test_requested/1")) == TESTS_PER_HOUR + 2
