"""Applying one SendGrid event: a suppression or withdrawals, proved and announced like any change.

Each event is applied in its own transaction (the caller's) and its `sg_event_id` is recorded
in that same transaction, so a delivery SendGrid retries finds the ids and changes nothing,
and an event that fails undoes no other. What the event means is `domain.esp_events`; this
module only carries it out:

- a suppression adds the address's keyed hash to the suppression list, known subject or not;
  for a subject holding the address it is also a change of the subject: the next version, a
  ledger entry of kind `suppression`, and `subject.updated/1` with `suppressed: true`, so the
  mailer's view (and its version guards, catch-up and send-time fence) learn it;
- a withdrawal goes through `set_consent`, like any other: consent row, ledger entry and
  `consent.changed/1` together.

Every change made here has source `esp_webhook`, actor `sendgrid`, and evidence naming the
event type and `sg_event_id`; never the address.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from consent_service.domain.consent import ConsentStatus, Source
from consent_service.domain.emails import email_key, normalize_email
from consent_service.domain.errors import InvalidEmail
from consent_service.domain.esp_events import Effect, EspEvent, meaning
from consent_service.domain.purposes import EMAIL_PURPOSES
from consent_service.domain.suppression import SuppressionReason
from consent_service.services.changes import ChangeContext
from consent_service.services.consents import set_consent
from consent_service.services.ledger_writer import Entry, Evidence, LedgerBatch
from consent_service.services.policies import resolve_policy_version
from consent_service.services.ports import Repository
from consent_service.services.ports.subjects import SubjectRow
from consent_service.services.subject_changes import subject_updated_message
from consent_service.services.suppressions import suppress, suppression_reasons

ACTOR = "sendgrid"
SUPPRESSION = "suppression"
"""The ledger entry kind of a subject's address being suppressed."""

Outcome = Literal["applied", "unchanged", "ignored", "duplicate"]
"""`applied`: something changed; `unchanged`: nothing new (already so, or nobody has the
address); `ignored`: an event type that changes nothing; `duplicate`: seen before."""


@dataclass(frozen=True)
class EventSettings:
    secret_keys: tuple[str, ...]
    """Newest first: suppressions are written under the first and looked up under all."""
    double_opt_in: frozenset[str]
    now: datetime


def apply_event(registry: Repository, event: EspEvent, settings: EventSettings) -> Outcome:
    """Carry the event out in the caller's transaction; what happened."""
    found = meaning(event)
    if found.effect is Effect.NONE:
        return "ignored"
    if not registry.webhook_events.record(event.event_id, settings.now):
        return "duplicate"
    address = _address(event.email)
    if found.suppression is not None:
        changed = _suppress(registry, address, found.suppression, event, settings)
    else:
        purposes = _purposes(registry, found.effect, event.campaign_id)
        changed = _withdraw(registry, address, purposes, event, settings)
    return "applied" if changed else "unchanged"


def _address(raw: str) -> str:
    """The address as the registry stores it; one it would refuse is still hashed as given."""
    try:
        return normalize_email(raw)
    except InvalidEmail:
        return raw


def _purposes(registry: Repository, effect: Effect, campaign_id: str | None) -> frozenset[str]:
    """The purposes an event withdraws: its campaign's, else every email purpose."""
    if effect is Effect.WITHDRAW_CAMPAIGN and campaign_id is not None:
        try:
            campaign = registry.campaigns.campaign(uuid.UUID(campaign_id))
        except ValueError:
            campaign = None
        if campaign is not None:
            return frozenset({campaign.purpose})
    return EMAIL_PURPOSES


def _withdraw(
    registry: Repository,
    address: str,
    purposes: frozenset[str],
    event: EspEvent,
    settings: EventSettings,
) -> bool:
    subject = registry.subject_by_email_key(email_key(address), for_update=True)
    if subject is None:
        return False
    context = ChangeContext(
        source=Source.ESP_WEBHOOK.value,
        actor=ACTOR,
        policy_version=resolve_policy_version(registry, None, settings.now),
        now=settings.now,
        evidence=event.evidence(),
    )
    version = subject.version
    for purpose in sorted(purposes):
        view = set_consent(
            registry,
            subject.id,
            purpose,
            ConsentStatus.WITHDRAWN,
            context,
            settings.double_opt_in,
            links=None,
        )
        version = view.subject.version
    return version > subject.version


def _suppress(
    registry: Repository,
    address: str,
    reason: SuppressionReason,
    event: EspEvent,
    settings: EventSettings,
) -> bool:
    """Suppress the address for `reason`; False if it already was (nothing new to record)."""
    subject = registry.subject_by_email_key(email_key(address), for_update=True)
    if reason in suppression_reasons(registry, settings.secret_keys, address):
        return False
    suppress(registry, settings.secret_keys[0], address, reason, settings.now)
    if subject is not None:
        _record_suppression(registry, subject, reason, event, settings.now)
    return True


def _record_suppression(
    registry: Repository,
    subject: SubjectRow,
    reason: SuppressionReason,
    event: EspEvent,
    now: datetime,
) -> None:
    """The subject's next version: ledger entry and `subject.updated/1` with `suppressed`."""
    batch = LedgerBatch()
    batch.follow(registry, subject.id, subject.version)
    entry = Entry(
        kind=SUPPRESSION,
        source=Source.ESP_WEBHOOK.value,
        actor=ACTOR,
        recorded_at=now,
        evidence=Evidence(event.evidence() | {"reason": reason.value}),
    )
    subject.version, subject.updated_at = batch.add(subject.id, entry), now
    registry.set_subject_version(subject.id, subject.version, now)
    routing_key, body = subject_updated_message(subject, ["suppressed"], now, suppressed=True)
    batch.announce(subject.id, routing_key, body, now)
    batch.write(registry)
