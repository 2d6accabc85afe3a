"""The scheduler's campaign job: occurrences that have come become runs, each exactly once.

Exactly once rests on two things. A due campaign is locked while its run is requested and its
`next_run_at` advanced, all in one transaction (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so a
second scheduler takes other campaigns; SQLite lets one writer in at a time), so a crash
leaves either everything or nothing. And a run's occurrence is a unique key: even a scheduler
that raced past the lock cannot insert a second run for it.

Missed runs (the scheduler was down): only the latest missed occurrence runs, and only if it
is at most `grace` old; the others are skipped and logged (`runs_missed`). A one-off whose
time passed beyond grace is completed without a run. See docs/decisions/0007.
"""

import logging
from datetime import datetime, timedelta

from consent_service.domain.campaigns import Trigger
from consent_service.domain.schedules import due_run, schedule_from_json
from consent_service.services.campaigns import complete_if_finished, request_run
from consent_service.services.ports import UnitOfWork
from consent_service.services.ports.campaigns import CampaignRow, Campaigns

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(minutes=60)
BATCH_SIZE = 100


def schedule_due(
    uow: UnitOfWork,
    now: datetime,
    *,
    grace: timedelta = DEFAULT_GRACE,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Request every run due at `now`, a batch per transaction; returns how many."""
    requested = 0
    while True:
        with uow.transaction() as registry:
            store = registry.campaigns
            due = store.due_campaigns(now, batch_size)
            requested += sum(_schedule(store, campaign, now, grace) for campaign in due)
        if len(due) < batch_size:
            return requested


def _schedule(store: Campaigns, campaign: CampaignRow, now: datetime, grace: timedelta) -> int:
    assert campaign.next_run_at is not None  # only campaigns with a next run are due
    assert campaign.schedule is not None  # only drafts have none, and drafts are never due
    schedule = schedule_from_json(campaign.schedule, campaign.created_at)
    due = due_run(schedule, campaign.next_run_at, now, grace)
    if due.missed:
        log.warning(
            "campaign runs missed while the scheduler was down",
            extra={
                "event": "runs_missed",
                "campaign_id": str(campaign.id),
                "count": due.missed,
                "since": campaign.next_run_at.isoformat(),
            },
        )
    run_id = None
    if due.run_for is not None:
        run_id = request_run(store, campaign, Trigger.SCHEDULE, due.run_for, now)
    store.update_campaign(campaign.id, next_run_at=due.next_run_at, updated_at=now)
    complete_if_finished(store, campaign.id, due.next_run_at, now)
    return 0 if run_id is None else 1
