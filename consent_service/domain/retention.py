"""How long the registry keeps each kind of data, and what happens when the time is up.

* inactive subjects (no granted consent, no change for `inactive`, 2 years): erased, as if
  the person had asked;
* pending consents never confirmed within `pending` (30 days): withdrawn, source `expiry`;
* used single-use link tokens past their own expiry: deleted;
* SendGrid event ids kept to drop resent events, after 30 days: deleted;
* stored answers to retried requests (they hold addresses), after 24 hours: deleted.

Inactive subjects go first: someone erased needs no expiry of their pending consents.
See docs/decisions/0015-import-and-retention.md.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from consent_service.domain.consent import ConsentStatus


class Rule(StrEnum):
    INACTIVE_SUBJECTS = "inactive_subjects"
    PENDING_CONSENTS = "pending_consents"
    USED_LINK_TOKENS = "used_link_tokens"
    WEBHOOK_EVENTS = "webhook_events"
    IDEMPOTENCY_KEYS = "idempotency_keys"


RULES = tuple(Rule)
"""In the order a purge applies them."""
DELETED_BY_DATE = (Rule.USED_LINK_TOKENS, Rule.WEBHOOK_EVENTS, Rule.IDEMPOTENCY_KEYS)
"""The rules that only delete what is dated before their cutoff; the first two go through
the services, one subject at a time."""

DESCRIPTIONS = {
    Rule.INACTIVE_SUBJECTS: "subjects without granted consent or change, erased",
    Rule.PENDING_CONSENTS: "pending consents never confirmed, withdrawn",
    Rule.USED_LINK_TOKENS: "used link tokens past their expiry, deleted",
    Rule.WEBHOOK_EVENTS: "SendGrid event ids, deleted",
    Rule.IDEMPOTENCY_KEYS: "stored answers to retried requests, deleted",
}

WEBHOOK_EVENT_IDS_KEPT = timedelta(days=30)
"""SendGrid resends an event it could not deliver for a day at most; a month is a wide
margin, and a resent event older than that is still refused by its signature's timestamp."""
IDEMPOTENT_ANSWERS_KEPT = timedelta(hours=24)
"""The usual window for retrying a request with the same Idempotency-Key (decision 0004)."""


@dataclass(frozen=True)
class RetentionRules:
    pending: timedelta
    inactive: timedelta
    webhook_events: timedelta = WEBHOOK_EVENT_IDS_KEPT
    idempotency_keys: timedelta = IDEMPOTENT_ANSWERS_KEPT

    def cutoff(self, rule: Rule, now: datetime) -> datetime:
        """Data of this rule dated before the cutoff goes."""
        kept = {
            Rule.INACTIVE_SUBJECTS: self.inactive,
            Rule.PENDING_CONSENTS: self.pending,
            Rule.USED_LINK_TOKENS: timedelta(0),
            Rule.WEBHOOK_EVENTS: self.webhook_events,
            Rule.IDEMPOTENCY_KEYS: self.idempotency_keys,
        }
        return now - kept[rule]


def is_inactive(
    last_change: datetime, statuses: Iterable[str], now: datetime, limit: timedelta
) -> bool:
    """Nobody to write to and nothing heard for `limit`: the data is no longer needed.

    Any change to the subject (a decision, a rectification, an import) counts as activity;
    a granted consent means the person still wants to hear from the shop, however old.
    """
    return now - last_change >= limit and ConsentStatus.GRANTED.value not in set(statuses)
