"""Retrying a run: its `failed` recipients are sent the campaign again, in a run of its own.

`failed` means the email service refused the email: it was not sent, so sending it again
cannot make anyone get it twice. `unknown` (the service may have taken it) is never retried:
at most once wins over delivery. The retry run is a run like any other (its own counts and
statistics), planned by the mailer from the failed rows of the run it retries, and its
send-time check skips whoever is no longer granted. A run is retried at most once (the
registry's unique key); what fails again is retried through the retry run (decision 0030).
"""

import uuid
from datetime import datetime

from consent_service.domain import campaigns as rules
from consent_service.domain.campaigns import CampaignStatus, RunNotFound, Trigger
from consent_service.services.campaigns import find_campaign, request_run
from consent_service.services.ports.campaigns import Campaigns


def retry_failed(
    store: Campaigns, campaign_id: uuid.UUID, run_id: uuid.UUID, now: datetime
) -> uuid.UUID:
    """Request a run that sends to `run_id`'s failed recipients who are still granted; the
    new run's id. CampaignConflict (409) while the run goes on, when nothing of it failed,
    when it was retried already, or when the campaign is a draft, paused or cancelled."""
    campaign = find_campaign(store, campaign_id, lock=True)
    run = store.run(run_id, for_update=True)
    if run is None or run.campaign_id != campaign.id:
        raise RunNotFound(f"Campaign {campaign.id} has no run {run_id}.")
    rules.check_can_retry(CampaignStatus(campaign.status), run.state, store.retried(run.id))
    retry = request_run(store, campaign, Trigger.RETRY, None, now, retry_of=run.id)
    assert retry is not None  # only a scheduled occurrence can collide
    return retry
