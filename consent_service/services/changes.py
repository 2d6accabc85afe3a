"""Writing consent changes: state, ledger entry and outbox message, always together.

Every path that changes a consent goes through `write_changes`, so no change can be stored
without its proof and its announcement, and none can be announced without being stored.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from consent_service.adapters.repository import ConsentRow, Registry, SubjectRow
from consent_service.domain.consent import Change
from consent_service.domain.ledger import LedgerRecord, evidence_digest, genesis_hash, timestamp
from schemas.messages import load_message

CONSENT_CHANGED = "consent.changed/1"


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


def write_changes(
    registry: Registry,
    subject: SubjectRow,
    changes: list[Change],
    existing: dict[str, ConsentRow],
    context: ChangeContext,
    *,
    new_email_key: str | None = None,
) -> list[ConsentRow]:
    """Persist changes already decided by the domain; returns the new consent rows.

    A subject not stored yet (`new_email_key` given) is inserted here, at its final version,
    rather than inserted first and updated after: one statement less on every sign-up.
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
        load_message(body)  # a message the mailer would refuse must never be written
        messages.append(
            {
                "message_id": uuid.UUID(str(body["message_id"])),
                "subject_id": subject.id,
                "routing_key": routing_key,
                "payload": body,
                "created_at": context.now,
            }
        )
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
    if new_email_key is None:
        registry.set_subject_version(subject.id, subject.version, context.now)
    else:
        registry.add_subject(subject, new_email_key)
    registry.save_consents(subject.id, list(rows.values()), set(existing))
    registry.append_ledger(entries)
    registry.add_outbox(messages)
    return list(rows.values())
