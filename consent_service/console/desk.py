"""What every page of the marketing desk (campaigns.py, its form, test sends, runs, previews)
shares: finding the campaign a URL names, and the console audit log's line about it, so that
they answer and record alike."""

import uuid
from typing import Any

from flask import abort

from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.console.access import signed_in
from consent_service.domain.campaigns import CampaignNotFound
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.faces import clock
from consent_service.faces.transactions import read_only
from consent_service.services import campaigns
from consent_service.services.campaigns import CampaignView


def audit_change(
    registry: SqlRepository, action: AuditAction, campaign_id: uuid.UUID, **details: Any
) -> None:
    """The console audit log's line for something done to a campaign (or seen of it, for a
    preview as a chosen person), in the caller's transaction."""
    entry = AuditEntry(
        clock.now(),
        signed_in().account.id,
        action,
        f"campaign:{campaign_id}",
        sessions.client_address(),
        details,
    )
    SqlStaffStore(registry).record(entry)


def campaign_or_404(campaign_id: uuid.UUID) -> CampaignView:
    """The campaign with its runs, or the 404 page."""
    with read_only() as registry:
        try:
            return campaigns.get_campaign(registry.campaigns, campaign_id)
        except CampaignNotFound:
            abort(404)
