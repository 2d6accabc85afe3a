"""Writing consent changes: state, ledger entry and outbox message, always together.

Every path that changes a consent goes through `write_changes`, so no change can be stored
without its proof and its announcement, and none can be announced without being stored. A
change that makes a purpose `pending` also asks, in the same transaction, for the double
opt-in email that can confirm it (`optin.confirmation_requested`).
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from consent_service.adapters.repository import ConsentRow, SqlRepository, SubjectRow
from consent_service.domain.consent import Change, ConsentStatus
from consent_service.domain.ledger import LedgerRecord, evidence_digest, genesis_hash, timestamp
from plumbing.tokens import LinkSigner, confirm_url
from schemas.messages import load_message

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
    subject: SubjectRow, pending: list[str], links: ConfirmLinks, context: ChangeContext
) -> tuple[str, dict[str, object]]:
    """The request for a double opt-in email, at the subject's version after the change.

    It lists every purpose pending after the change, not only the new ones, because the link
    grants all of them (`confirm_email`): the email must say what a click agrees to.
    """
    body: dict[str, object] = {
        "schema": CONFIRMATION_REQUESTED,
        "message_id": str(uuid.uuid4()),
        "occurred_at": timestamp(context.now),
        "subject_id": str(subject.id),
        "version": subject.version,
        "email": subject.email,
        "locale": subject.locale,
        "purposes": pending,
        "confirm_url": links.url_for(subject.id),
    }
    return "optin.confirmation_requested", body


def outbox_row(
    subject: SubjectRow, routing_key: str, body: dict[str, object], now: datetime
) -> dict[str, object]:
    load_message(body)  # a message the mailer would refuse must never be written
    return {
        "message_id": uuid.UUID(str(body["message_id"])),
        "subject_id": subject.id,
        "routing_key": routing_key,
        "payload": body,
        "created_at": now,
    }


def _pending_purposes(existing: dict[str, ConsentRow], written: dict[str, ConsentRow]) -> list[str]:
    """Every pending purpose, email or not: the link grants them all, so the email names all."""
    rows = existing | written
    pending = ConsentStatus.PENDING.value
    return sorted(p for p, row in rows.items() if row.status == pending)


def write_changes(
    registry: SqlRepository,
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
    first_seq = changes[0].version
    prev_hash = (
        genesis_hash(str(subject.id))
        if first_seq == 1
        else registry.ledger_hash(subject.id, first_seq - 1)
    )
    if prev_hash is None:
        raise RuntimeError(f"ledger of subject {subject.id} has no entry {first_seq - 1}")
    nonce = secrets.token_hex(16)
    digest = evidence_digest(context.evidence, nonce)
    entries, messages, rows = [], [], {}
    for change in changes:
        record = LedgerRecord(
            subject_id=str(subject.id),
            seq=change.version,
            kind="consent",
            purpose=change.purpose,
            previous_status=change.previous.value if change.previous else None,
            status=change.status.value,
            source=context.source,
            actor=context.actor,
            policy_version=context.policy_version,
            recorded_at=context.now,
            evidence_digest=digest,
            prev_hash=prev_hash,
        )
        prev_hash = record.hash()
        entries.append((record, prev_hash, context.evidence, nonce))
        routing_key, body = consent_changed_message(subject, change, context)
        messages.append(outbox_row(subject, routing_key, body, context.now))
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
            routing_key, body = confirmation_requested_message(subject, pending, links, context)
            messages.append(outbox_row(subject, routing_key, body, context.now))
    if new_email_key is None:
        registry.set_subject_version(subject.id, subject.version, context.now)
    else:
        registry.add_subject(subject, new_email_key)
    registry.save_consents(subject.id, list(rows.values()), set(existing))
    registry.append_ledger(entries)
    registry.add_outbox(messages)
    return list(rows.values())
