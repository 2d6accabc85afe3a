"""The console audit log's lines about campaigns: one function, so every page of the marketing
desk (campaigns.py, its form, test sends, previews) records alike."""

import uuid
from typing import Any

from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.console.access import signed_in
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.faces import clock


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
