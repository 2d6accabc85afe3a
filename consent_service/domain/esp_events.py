"""What a SendGrid event webhook delivery means for the registry: plain rules.

SendGrid posts a JSON array of events, each with `event` (its type), `email`, `timestamp`,
`sg_event_id` (unique per event; deliveries are retried, so the same event can arrive again)
and fields of its type; the `custom_args` the mailer sent with the email (`campaign_id`,
`run_id`, `subject_id`) come back as top-level fields of the event. Only four kinds of event
change anything here (docs/decisions/0014-esp-events-and-suppression.md):

- `bounce` with `type` `bounce` is a hard bounce: the mailbox does not exist, so the address
  is suppressed. `type` `blocked` (and any other) is a soft bounce or a block by the
  receiving server: nothing about the person, nothing changes.
- `dropped` means SendGrid did not even try. Reason `Invalid` (a malformed or unroutable
  address) suppresses it as invalid; `Bounced Address` (it is on SendGrid's bounce list, so
  it hard-bounced before) as a hard bounce. Every other reason (`Unsubscribed Address`,
  `Spam Reporting Address`, `Invalid SMTPAPI header`, `Spam Content`, `Recipient List over
  Package Quota`) repeats a decision that reached us as its own event, or is about the
  message rather than the address.
- `spamreport` is an objection to direct marketing (GDPR Art. 21(2)-(3)), which is absolute:
  every email purpose is withdrawn.
- `unsubscribe` and `group_unsubscribe` withdraw the purpose of the campaign the email
  belonged to (its `campaign_id`); without a known campaign, every email purpose, since it is
  then unknowable which one the person left and staying subscribed is the worse mistake.

Everything else (`processed`, `delivered`, `deferred`, `open`, `click`,
`group_resubscribe`) is ignored: in particular a resubscription through SendGrid's page is
no consent the registry could prove, so it grants nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from consent_service.domain.suppression import SuppressionReason
from plumbing.text import storable

MAX_EVENT_ID_LENGTH = 100
MAX_CLOCK_SKEW = timedelta(minutes=5)
"""How far the signed timestamp may be from our clock: SendGrid documents no replay window,
so a captured delivery is refused after five minutes (and dedup covers the five minutes)."""

HARD_BOUNCE_TYPE = "bounce"
DROP_REASONS = {
    "invalid": SuppressionReason.INVALID_ADDRESS,
    "bounced address": SuppressionReason.HARD_BOUNCE,
}
"""`dropped` reasons that say something about the address, lower-cased."""
OBJECTIONS = frozenset({"spamreport"})
UNSUBSCRIBES = frozenset({"unsubscribe", "group_unsubscribe"})


class Effect(Enum):
    NONE = "none"
    SUPPRESS = "suppress"
    WITHDRAW_EMAIL = "withdraw_email"
    """Every email purpose."""
    WITHDRAW_CAMPAIGN = "withdraw_campaign"
    """The campaign's purpose; every email purpose when the campaign is not known."""


@dataclass(frozen=True)
class EspEvent:
    """The fields of a SendGrid event the rules read; all of them are SendGrid's words."""

    event_id: str
    kind: str
    email: str
    bounce_type: str | None = None
    reason: str | None = None
    campaign_id: str | None = None

    def evidence(self) -> dict[str, str]:
        """What the ledger keeps as proof of a change it caused: never the address."""
        return {"esp_event": self.kind, "sg_event_id": self.event_id}


@dataclass(frozen=True)
class Meaning:
    effect: Effect
    suppression: SuppressionReason | None = None


def parse(raw: object) -> EspEvent | None:
    """The event, or None when it lacks what any rule needs (`sg_event_id`, `event`, `email`)
    or carries one of them as text the registry cannot store."""
    if not isinstance(raw, dict):
        return None
    event_id, kind, email = (_text(raw.get(name)) for name in ("sg_event_id", "event", "email"))
    if event_id is None or kind is None or email is None:
        return None
    if len(event_id) > MAX_EVENT_ID_LENGTH:
        return None
    return EspEvent(
        event_id=event_id,
        kind=kind,
        email=email.strip(),
        bounce_type=_text(raw.get("type")),
        reason=_text(raw.get("reason")),
        campaign_id=_text(raw.get("campaign_id")),
    )


def meaning(event: EspEvent) -> Meaning:
    """What the event asks the registry to do."""
    if event.kind == "bounce" and (event.bounce_type or "").lower() == HARD_BOUNCE_TYPE:
        return Meaning(Effect.SUPPRESS, SuppressionReason.HARD_BOUNCE)
    if event.kind == "dropped":
        reason = DROP_REASONS.get((event.reason or "").strip().lower())
        return Meaning(Effect.SUPPRESS, reason) if reason else Meaning(Effect.NONE)
    if event.kind in OBJECTIONS:
        return Meaning(Effect.WITHDRAW_EMAIL)
    if event.kind in UNSUBSCRIBES:
        return Meaning(Effect.WITHDRAW_CAMPAIGN)
    return Meaning(Effect.NONE)


def is_fresh(timestamp: str, now: datetime) -> bool:
    """Whether a signed Unix timestamp (whole seconds) is within MAX_CLOCK_SKEW of now."""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(now.timestamp() - int(timestamp)) <= MAX_CLOCK_SKEW.total_seconds()


def _text(value: object) -> str | None:
    """A field's text, or None when it is missing, blank or not storable (domain/text.py)."""
    return value if isinstance(value, str) and value.strip() and storable(value) else None
