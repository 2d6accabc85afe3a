"""Emails with a fresh link that a public page sends on request, capped per person.

Two pages may ask for an email to the stored address: a used or expired double opt-in link
asks for a new one (`/confirm/{token}/resend`), and the page of an unsubscribe link asks for
a link to the preference centre (`/u/{token}/preferences-link`), which an unsubscribe token
must not open by itself (docs/decisions/0017). Whoever holds such a link could otherwise
fill the person's inbox, so each kind is capped per person: `PER_DAY` emails in any 24
hours, counted in `link_emails`. The page answers the same whether or not an email went, so
it says nothing about the mailbox to whoever presses the button.
"""

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from consent_service.domain.ledger import timestamp
from consent_service.services.ports import Repository
from consent_service.services.ports.subjects import SubjectRow
from plumbing.tokens import LinkSigner, preferences_url

PER_DAY = 3
"""A person rarely needs a second link the same day; three leave room for a lost email."""
PERIOD = timedelta(hours=24)
PREFERENCES_LINK_REQUESTED = "subject.preferences_link_requested/1"


class LinkEmail(StrEnum):
    CONFIRMATION = "confirmation"
    PREFERENCES = "preferences"


class PreferenceLinks:
    """Mints the link of a preference-link email: `PUBLIC_BASE_URL/preferences/<token>`."""

    def __init__(self, secret_key: str, base_url: str) -> None:
        self._signer = LinkSigner(secret_key)
        self._base_url = base_url

    def url_for(self, subject_id: uuid.UUID) -> str:
        return preferences_url(self._base_url, self._signer.preferences_token(subject_id))


def within_cap(registry: Repository, subject_id: uuid.UUID, kind: LinkEmail, now: datetime) -> bool:
    """Count one more email of `kind` for the subject if the cap allows it, else False.

    The caller holds the subject's row lock, so two requests at the same moment are counted
    one after the other. Requests older than the period count for no one and are pruned.
    """
    since = now - PERIOD
    registry.link_emails.prune(since)
    if registry.link_emails.count_since(subject_id, kind.value, since) >= PER_DAY:
        return False
    registry.link_emails.add(subject_id, kind.value, now)
    return True


def preferences_link_message(subject: SubjectRow, url: str, now: datetime) -> dict[str, Any]:
    """`subject.preferences_link_requested/1` to the stored address, at the current version."""
    return {
        "schema": PREFERENCES_LINK_REQUESTED,
        "message_id": str(uuid.uuid4()),
        "occurred_at": timestamp(now),
        "subject_id": str(subject.id),
        "version": subject.version,
        "email": subject.email,
        "locale": subject.locale,
        "preferences_url": url,
    }
