"""Rectification: a person's own data changed, stored, proved and announced together.

A new locale, address, name or external id is stored on the subject at its next version,
proved by a ledger entry of kind `subject` (no purpose, no status) and announced as
`subject.updated/1`, which carries the whole new contact record so the mailer replaces its
copy. The three are written in the caller's transaction, like a consent change
(services/changes.py): none without the others. The entry's evidence names the fields that
changed, never their values, so the ledger holds no contact data; the subject row holds the
current ones. The preference centre changes the locale through this module; the API's
rectification (`PATCH /v1/subjects/{id}`) is meant to change the rest through it too.
"""

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consent_service.adapters.repository import Registry, SubjectRow
from consent_service.domain.emails import email_key, normalize_email
from consent_service.domain.errors import Conflict, DomainError, SubjectNotFound
from consent_service.domain.evidence import clean_evidence
from consent_service.domain.ledger import LedgerRecord, evidence_digest, genesis_hash, timestamp
from consent_service.domain.locales import is_supported
from consent_service.services.changes import outbox_row

SUBJECT_UPDATED = "subject.updated/1"
RECTIFIABLE = ("email", "locale", "name", "external_id")
CHANGED = "changed"
"""The evidence key naming the changed fields, comma-separated."""


@dataclass(frozen=True)
class Rectification:
    """Who changed the data, through what, when, and what the request showed of itself."""

    source: str
    actor: str
    now: datetime
    evidence: dict[str, str] | None = None


def _new_values(subject: SubjectRow, wanted: Mapping[str, str | None]) -> dict[str, Any]:
    """The columns to write for the fields that really differ; DomainError if one is bad."""
    unknown = sorted(set(wanted) - set(RECTIFIABLE))
    if unknown:
        raise DomainError(
            f"These fields cannot be changed: {', '.join(unknown)}.", field=unknown[0]
        )
    values: dict[str, Any] = {}
    for field in RECTIFIABLE:
        if field not in wanted or wanted[field] == getattr(subject, field):
            continue
        value = wanted[field]
        if field == "locale" and not is_supported(value):
            raise DomainError(f"Unsupported locale {value!r}.", field="locale")
        if field == "email":
            value = normalize_email(value or "")
            if value == subject.email:
                continue
            if email_key(value) != email_key(subject.email or ""):
                # Another mailbox: not proven until the person confirms it again.
                values |= {"email_key": email_key(value), "email_confirmed_at": None}
        values[field] = value
    return values


def _check_address_free(registry: Registry, subject: SubjectRow, key: str | None) -> None:
    holder = registry.subject_by_email_key(key) if key is not None else None
    if holder is not None and holder.id != subject.id:
        raise Conflict("Another subject already has this email address.", field="email")


def _ledger_entry(
    registry: Registry, subject: SubjectRow, seq: int, changed: list[str], context: Rectification
) -> tuple[LedgerRecord, str, dict[str, str], str]:
    evidence = (clean_evidence(context.evidence) or {}) | {CHANGED: ",".join(changed)}
    nonce = secrets.token_hex(16)
    previous = seq - 1
    prev_hash = (
        genesis_hash(str(subject.id))
        if previous == 0
        else registry.ledger_hash(subject.id, previous)
    )
    if prev_hash is None:
        raise RuntimeError(f"ledger of subject {subject.id} has no entry {previous}")
    record = LedgerRecord(
        subject_id=str(subject.id),
        seq=seq,
        kind="subject",
        purpose=None,
        previous_status=None,
        status=None,
        source=context.source,
        actor=context.actor,
        policy_version=None,
        recorded_at=context.now,
        evidence_digest=evidence_digest(evidence, nonce),
        prev_hash=prev_hash,
    )
    return record, record.hash(), evidence, nonce


def subject_updated_message(
    subject: SubjectRow, changed: list[str], now: datetime
) -> dict[str, Any]:
    """The outbox row of `subject.updated/1`: the whole contact record after the change."""
    body: dict[str, Any] = {
        "schema": SUBJECT_UPDATED,
        "message_id": str(uuid.uuid4()),
        "occurred_at": timestamp(now),
        "subject_id": str(subject.id),
        "version": subject.version,
        "email": subject.email,
        "locale": subject.locale,
        "name": subject.name,
        "changed": changed,
    }
    return outbox_row(subject, "subject.updated", body, now)


def rectify(
    registry: Registry,
    subject_id: uuid.UUID,
    wanted: Mapping[str, str | None],
    context: Rectification,
) -> list[str]:
    """Store the fields of `wanted` that differ from the subject's; returns their names.

    Nothing that equals what is stored is written, so an unchanged form adds no entry.
    """
    subject = registry.subject_by_id(subject_id, for_update=True)
    if subject is None:
        raise SubjectNotFound(f"No subject {subject_id}.")
    values = _new_values(subject, wanted)
    changed = [field for field in RECTIFIABLE if field in values]
    if not changed:
        return []
    _check_address_free(registry, subject, values.get("email_key"))
    seq = subject.version + 1
    entry = _ledger_entry(registry, subject, seq, changed, context)
    for column, value in values.items():
        if column != "email_key":  # the lookup key is a column only, not part of the row
            setattr(subject, column, value)
    subject.version, subject.updated_at = seq, context.now
    registry.set_subject_version(subject.id, seq, context.now, **values)
    registry.append_ledger([entry])
    registry.add_outbox([subject_updated_message(subject, changed, context.now)])
    return changed


def email_changed_since(registry: Registry, subject_id: uuid.UUID, moment: datetime) -> bool:
    """Whether the address was rectified at or after `moment` (a link's issue time, say).

    A link only proves control of the mailbox it was sent to; after a change of address it
    no longer proves control of the current one.
    """
    for entry in registry.history(subject_id):
        if entry.kind != "subject" or entry.recorded_at < moment:
            continue
        if "email" in (entry.evidence or {}).get(CHANGED, "").split(","):
            return True
    return False
