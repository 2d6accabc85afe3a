"""The scheduler: due occurrences become runs exactly once, missed ones follow the rule."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from consent_service.adapters.campaign_store import CampaignStore
from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.domain.campaigns import Trigger
from consent_service.services.campaigns import apply_report, request_run
from consent_service.services.scheduling import schedule_due
from schemas.messages import load_message
from tests.campaigns.factories import campaign_row, outbox, runs_of

MONDAY_9_BERLIN = {"rrule": "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "timezone": "Europe/Berlin"}
CREATED = datetime(2027, 3, 17, 12, tzinfo=UTC)  # a Wednesday
FIRST = datetime(2027, 3, 22, 8, tzinfo=UTC)  # Monday 09:00 CET
SECOND = datetime(2027, 3, 29, 7, tzinfo=UTC)  # Monday 09:00 CEST


def sessions_of(app) -> SqlUnitOfWork:
    return SqlUnitOfWork(app.extensions["consent.sessions"])


def test_a_due_occurrence_becomes_one_run_and_one_run_request(app, new_campaign, store) -> None:
    campaign = new_campaign(MONDAY_9_BERLIN, CREATED).campaign
    assert schedule_due(sessions_of(app), FIRST - timedelta(seconds=1)) == 0
    assert schedule_due(sessions_of(app), FIRST + timedelta(seconds=1)) == 1
    assert schedule_due(sessions_of(app), FIRST + timedelta(seconds=2)) == 0
    [run] = runs_of(store, campaign.id)
    assert (run.trigger, run.scheduled_for, run.state.status.value) == (
        "schedule",
        FIRST,
        "planned",
    )
    assert campaign_row(store, campaign.id).next_run_at == SECOND
    [message] = outbox(app, "campaign.run_requested")
    assert str(load_message(message)["run_id"]) == str(run.id)


def test_each_weekly_occurrence_gets_its_own_run_across_the_dst_change(
    app, new_campaign, store
) -> None:
    campaign = new_campaign(MONDAY_9_BERLIN, CREATED).campaign
    for moment in (FIRST, SECOND):
        assert schedule_due(sessions_of(app), moment + timedelta(seconds=5)) == 1
    assert sorted(run.scheduled_for for run in runs_of(store, campaign.id)) == [FIRST, SECOND]


def test_after_downtime_only_the_latest_missed_occurrence_runs(
    app, new_campaign, store, caplog
) -> None:
    campaign = new_campaign(MONDAY_9_BERLIN, CREATED).campaign
    back_up = datetime(2027, 4, 12, 7, 30, tzinfo=UTC)  # 3 Mondays missed, the 4th 30 min ago
    with caplog.at_level(logging.WARNING):
        assert schedule_due(sessions_of(app), back_up) == 1
    [run] = runs_of(store, campaign.id)
    assert run.scheduled_for == datetime(2027, 4, 12, 7, tzinfo=UTC)
    [missed] = [r for r in caplog.records if getattr(r, "event", None) == "runs_missed"]
    assert missed.count == 3
    assert campaign_row(store, campaign.id).next_run_at == datetime(2027, 4, 19, 7, tzinfo=UTC)


def test_after_downtime_beyond_grace_no_run_is_requested(app, new_campaign, store) -> None:
    campaign = new_campaign(MONDAY_9_BERLIN, CREATED).campaign
    back_up = datetime(2027, 4, 12, 7, 30, tzinfo=UTC)
    assert schedule_due(sessions_of(app), back_up, grace=timedelta(minutes=15)) == 0
    assert runs_of(store, campaign.id) == []
    row = campaign_row(store, campaign.id)
    assert (row.status, row.next_run_at) == ("scheduled", datetime(2027, 4, 19, 7, tzinfo=UTC))


def test_a_one_off_missed_beyond_grace_is_completed_without_a_run(
    app, new_campaign, store, caplog
) -> None:
    campaign = new_campaign({"at": FIRST}, CREATED).campaign
    with caplog.at_level(logging.INFO):
        assert schedule_due(sessions_of(app), FIRST + timedelta(hours=2)) == 0
    assert runs_of(store, campaign.id) == []
    row = campaign_row(store, campaign.id)
    assert (row.status, row.next_run_at) == ("completed", None)
    events = [getattr(r, "event", None) for r in caplog.records]
    assert "runs_missed" in events
    assert "campaign_completed" in events
    assert outbox(app, "campaign.run_requested") == []


def test_a_one_off_completes_when_its_run_ends(app, new_campaign, store) -> None:
    campaign = new_campaign({"at": FIRST}, CREATED).campaign
    assert schedule_due(sessions_of(app), FIRST) == 1
    [run] = runs_of(store, campaign.id)
    assert campaign_row(store, campaign.id).status == "scheduled"
    report = {
        "campaign_id": campaign.id,
        "run_id": run.id,
        "sequence": 1,
        "status": "completed",
        "started_at": FIRST,
        "finished_at": FIRST + timedelta(minutes=1),
        "counts": dict.fromkeys(
            ("recipients", "sent", "skipped_withdrawn", "skipped_capped", "failed", "unknown"), 0
        ),
    }
    with store() as campaigns:
        apply_report(campaigns, report, FIRST + timedelta(minutes=1))
    assert campaign_row(store, campaign.id).status == "completed"


def test_paused_campaigns_gather_no_runs(app, client, new_campaign, store, marketer) -> None:
    campaign = new_campaign(MONDAY_9_BERLIN, CREATED).campaign
    assert client.post(f"/v1/campaigns/{campaign.id}/pause", headers=marketer).status_code == 200
    assert schedule_due(sessions_of(app), SECOND + timedelta(hours=1)) == 0
    assert runs_of(store, campaign.id) == []


def test_an_occurrence_that_has_its_run_can_never_get_a_second(app, new_campaign, store) -> None:
    """The unique key stops a scheduler that somehow got past the row lock."""
    campaign = new_campaign(MONDAY_9_BERLIN, CREATED).campaign
    results = []
    for _ in range(2):
        with store() as campaigns:
            results.append(request_run(campaigns, campaign, Trigger.SCHEDULE, FIRST, FIRST))
    assert results[0] is not None
    assert results[1] is None
    assert len(runs_of(store, campaign.id)) == 1
    assert len(outbox(app, "campaign.run_requested")) == 1


def test_two_schedulers_at_once_request_each_occurrence_exactly_once(
    app, new_campaign, store
) -> None:
    campaigns = [new_campaign(MONDAY_9_BERLIN, CREATED).campaign for _ in range(30)]
    start = threading.Barrier(2)

    def scheduler() -> int:
        start.wait()
        return schedule_due(sessions_of(app), FIRST + timedelta(seconds=1), batch_size=7)

    with ThreadPoolExecutor(2) as pool:
        requested = [future.result() for future in [pool.submit(scheduler) for _ in range(2)]]
    assert sum(requested) == 30
    with store() as campaign_store:
        assert isinstance(campaign_store, CampaignStore)
        runs = campaign_store.runs_of(c.id for c in campaigns)
    assert {campaign_id: len(found) for campaign_id, found in runs.items()} == {
        c.id: 1 for c in campaigns
    }
    messages = [load_message(m) for m in outbox(app, "campaign.run_requested")]
    assert sorted(str(m["campaign_id"]) for m in messages) == sorted(str(c.id) for c in campaigns)
