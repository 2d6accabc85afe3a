"""Writing consent changes: state, ledger entry and outbox message, always together.

Every path that changes a consent goes through `write_changes`, so no change can be stored
without its proof and its announcement, and none can be announced without being stored (the
entry and the message are made by services/ledger_writer.py). A change that makes a purpose
`pending` also asks, in the same transaction, for the double opt-in email that can confirm
it (`optin.confirmation_requested`).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from consent_service.domain.consent import Change, ConsentStatus
from consent_service.domain.ledger import timestamp
from consent_service.services.ledger_writer import Entry, Evidence, LedgerBatch
from consent_service.services.ports import Repository
from consent_service.services.ports.subjects import ConsentRow, SubjectRow
from plumbing.tokens import LinkSigner, confirm_url

CONSENT_CHANGED = "consent.changed/1"
CONFIRMATION_REQUESTED = "optin.confirmation_requested/1"


class ConfirmLinks:
    """Mints the link of a double opt-in email: `PUBLIC_BASE_URL/confirm/<signed token>`."""

    def __init__(self, secret_key: str, base_url: str) -> None:
        self._signer = LinkSigner(secret_key)
        self._base_url = base_url

    def url_for(self, subject_id: uuid.UUID) -> str:
        return confirm_url(self._base_url, self._signer.confirm_token(subject_id))


@dataclass(frozen=True)
class ChangeContext:
    """Who changed what, when, from where, and under which policy."""

    source: str
    actor: str
    policy_version: str
    now: datetime
    evidence: dict[str, str] | None = None


def consent_changed_message(
    subject: SubjectRow, change: Change, context: ChangeContext
) -> tuple[str, dict[str, object]]:
    """The routing key and body of the event the mailer keeps its view with."""
    body: dict[str, object] = {
        "schema": CONSENT_CHANGED,
        "message_id": str(uuid.uuid4()),
        "occurred_at": timestamp(context.now),
        "subject_id": str(subject.id),
        "version": change.version,
        "email": subject.email,
        "locale": subject.locale,
        "name": subject.name,
        "purpose": change.purpose,
        "status": change.status.value,
        "previous_status": change.previous.value if change.previous else None,
        "source": context.source,
        "policy_version": context.policy_version,
    }
    return f"consent.{change.purpose}.{change.status.value}", body


def confirmation_requested_message(
    subject: SubjectRow, pending: list[str], confirm_link: str, now: datetime
) -> tuple[str, dict[str, object]]:
    """The request for a double opt-in email, at the subject's version after the change.

    It lists every purpose pending after the change, not only the new ones, because the link
    grants all of them (`confirm_email`): the email must say what a click agrees to.
    """
    body: dict[str, object] = {
        "schema": CONFIRMATION_REQUESTED,
        "message_id": str(uuid.uuid4()),
        "occurred_at": timestamp(now),
        "subject_id": str(subject.id),
        "version": subject.version,
        "email": subject.email,
        "locale": subject.locale,
        "purposes": pending,
        "confirm_url": confirm_link,
    }
    return "optin.confirmation_requested", body


def consent_entry(change: Change, context: ChangeContext, evidence: Evidence) -> Entry:
    """The ledger entry of one consent change."""
    return Entry(
        kind="consent",
        purpose=change.purpose,
        previous_status=change.previous.value if change.previous else None,
        status=change.status.value,
        source=context.source,
        actor=context.actor,
        policy_version=context.policy_version,
        recorded_at=context.now,
        evidence=evidence,
    )


def _pending_purposes(existing: dict[str, ConsentRow], written: dict[str, ConsentRow]) -> list[str]:
    """Every pending purpose, email or not: the link grants them all, so the email names all."""
    rows = existing | written
    pending = ConsentStatus.PENDING.value
    return sorted(p for p, row in rows.items() if row.status == pending)


def write_changes(
    registry: Repository,
    subject: SubjectRow,
    changes: list[Change],
    existing: dict[str, ConsentRow],
    context: ChangeContext,
    *,
    new_email_key: str | None = None,
    links: ConfirmLinks | None = None,
) -> list[ConsentRow]:
    """Persist changes already decided by the domain; returns the new consent rows.

    A subject not stored yet (`new_email_key` given) is inserted here, at its final version,
    rather than inserted first and updated after: one statement less on every sign-up.
    `links` is needed when a change may make a purpose pending; a caller that forgets it
    fails loudly rather than leave someone waiting for an email that is never sent.
    """
    if not changes:
        return []
    batch = LedgerBatch()
    batch.follow(registry, subject.id, changes[0].version - 1)
    evidence = Evidence(context.evidence)
    rows = {}
    for change in changes:
        batch.add(subject.id, consent_entry(change, context, evidence))
        routing_key, body = consent_changed_message(subject, change, context)
        batch.announce(subject.id, routing_key, body, context.now)
        rows[change.purpose] = ConsentRow(
            purpose=change.purpose,
            status=change.status.value,
            policy_version=context.policy_version,
            source=context.source,
            version=change.version,
            updated_at=context.now,
        )
    subject.version = changes[-1].version
    subject.updated_at = context.now
    if any(change.status is ConsentStatus.PENDING for change in changes):
        if links is None:
            raise RuntimeError("a change made a purpose pending, but no confirmation link")
        pending = _pending_purposes(existing, rows)
        if pending:
            link = links.url_for(subject.id)
            routing_key, body = confirmation_requested_message(subject, pending, link, context.now)
            batch.announce(subject.id, routing_key, body, context.now)
    if new_email_key is None:
        registry.set_subject_version(subject.id, subject.version, context.now)
    else:
        registry.add_subject(subject, new_email_key)
    registry.save_consents(subject.id, list(rows.values()), set(existing))
    batch.write(registry)
    return list(rows.values())
