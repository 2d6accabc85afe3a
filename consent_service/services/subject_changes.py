"""Rectification: a person's own data changed, stored, proved and announced together.

A new locale, address, name or external id is stored on the subject at its next version,
proved by a ledger entry of kind `subject` (no purpose, no status) and announced as
`subject.updated/1`, which carries the whole new contact record so the mailer replaces its
copy. The three are written in the caller's transaction, like a consent change
(services/changes.py): none without the others. The entry's evidence names the fields that
changed, never their values, so the ledger holds no contact data; the subject row holds the
current ones. The preference centre changes the locale through this module, the API's
`PATCH /v1/subjects/{id}` every field.

A new address is another mailbox: it is unconfirmed until the person proves it, a double
opt-in link sent to the old one no longer confirms anything (`email_changed_since`), and
whatever was waiting for confirmation is asked for again at the new address. An address on
the suppression list because it bounced or is invalid is refused; one suppressed because its
earlier holder was erased is taken, and leaves the list, since the person is present again
(docs/decisions/0012-rectification-and-erasure.md). The address left behind is kept only as
a keyed hash, for the erasure that may come later to suppress it too (decision 0017).
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consent_service.domain.consent import ConsentStatus
from consent_service.domain.emails import email_key, normalize_email
from consent_service.domain.errors import Conflict, DomainError, SubjectNotFound
from consent_service.domain.evidence import clean_evidence
from consent_service.domain.ledger import timestamp
from consent_service.domain.locales import is_supported
from consent_service.domain.purposes import EMAIL_PURPOSES
from consent_service.domain.suppression import SuppressionReason
from consent_service.services.changes import ConfirmLinks, confirmation_requested_message
from consent_service.services.ledger_writer import Entry, Evidence, LedgerBatch
from consent_service.services.ports import Repository
from consent_service.services.ports.subjects import SubjectRow
from consent_service.services.suppressions import (
    lift,
    remember_former_address,
    suppression_reasons,
)
from plumbing.attributes import InvalidAttributes, changed_keys, merged_attributes
from plumbing.tokens import token_digest

SUBJECT_UPDATED = "subject.updated/1"
SUBJECT = "subject"
"""The kind of the ledger entry of a rectification."""
RECTIFIABLE = ("email", "locale", "name", "external_id", "attributes")
CHANGED = "changed"
"""The evidence key naming the changed fields, comma-separated."""
ATTRIBUTE_KEYS = "attribute_keys"
"""The evidence key naming the attributes set or removed, comma-separated (never values)."""
NEW_CONFIRM_LINK = "confirm_link"
"""The evidence key holding the digest of the double opt-in link sent to a new address."""
REFUSED_ADDRESSES = (SuppressionReason.HARD_BOUNCE, SuppressionReason.INVALID_ADDRESS)


@dataclass(frozen=True)
class Rectification:
    """Who changed the data, through what, when, and what the request showed of itself."""

    source: str
    actor: str
    now: datetime
    evidence: dict[str, str] | None = None


def _new_values(subject: SubjectRow, wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The columns to write for the fields that really differ; DomainError if one is bad."""
    unknown = sorted(set(wanted) - set(RECTIFIABLE))
    if unknown:
        raise DomainError(
            f"These fields cannot be changed: {', '.join(unknown)}.", field=unknown[0]
        )
    values: dict[str, Any] = {}
    for field in RECTIFIABLE:
        if field == "attributes":
            if "attributes" in wanted:
                values |= _new_attributes(subject, wanted["attributes"])
            continue
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


def _new_attributes(subject: SubjectRow, changes: object) -> dict[str, Any]:
    """`attributes` merged as decision 0047 says, when that changes any key; else nothing."""
    try:
        merged = merged_attributes(subject.attributes, changes)
    except InvalidAttributes as error:
        raise DomainError(error.message, field=error.field) from None
    if not changed_keys(subject.attributes, merged):
        return {}
    return {"attributes": merged or None}


def _check_address_free(registry: Repository, subject: SubjectRow, key: str | None) -> None:
    holder = registry.subject_by_email_key(key) if key is not None else None
    if holder is not None and holder.id != subject.id:
        raise Conflict("Another subject already has this email address.", field="email")


def _admit_address(registry: Repository, secret_keys: tuple[str, ...], email: str) -> None:
    """Refuse an address that cannot receive mail; readmit one whose holder was erased."""
    if not secret_keys:
        raise RuntimeError("a change of address needs the suppression list's keys")
    reasons = suppression_reasons(registry, secret_keys, email)
    refused = [reason.value for reason in REFUSED_ADDRESSES if reason in reasons]
    if refused:
        raise Conflict(
            f"This address is on the suppression list ({', '.join(refused)}): mail to it "
            "cannot be delivered, so it cannot become the subject's address.",
            field="email",
        )
    if SuppressionReason.ERASED in reasons:
        lift(registry, secret_keys, email, SuppressionReason.ERASED)


def subject_updated_message(
    subject: SubjectRow, changed: list[str], now: datetime, *, suppressed: bool | None = None
) -> tuple[str, dict[str, Any]]:
    """`subject.updated/1`: the whole contact record after the change, and whether its
    address is suppressed when that is what changed (decision 0014)."""
    body: dict[str, Any] = {
        "schema": SUBJECT_UPDATED,
        "message_id": str(uuid.uuid4()),
        "occurred_at": timestamp(now),
        "subject_id": str(subject.id),
        "version": subject.version,
        "email": subject.email,
        "locale": subject.locale,
        "name": subject.name,
        "attributes": subject.attributes or {},
        "changed": changed,
    }
    if suppressed is not None:
        body["suppressed"] = suppressed
    return "subject.updated", body


def _pending_email_purposes(registry: Repository, subject_id: uuid.UUID) -> list[str]:
    pending = ConsentStatus.PENDING.value
    return sorted(
        purpose
        for purpose, row in registry.consents_of(subject_id).items()
        if row.status == pending and purpose in EMAIL_PURPOSES
    )


def rectify(
    registry: Repository,
    subject_id: uuid.UUID,
    wanted: Mapping[str, Any],
    context: Rectification,
    *,
    suppression_keys: tuple[str, ...] = (),
    links: ConfirmLinks | None = None,
) -> list[str]:
    """Store the fields of `wanted` that differ from the subject's; returns their names.

    Nothing that equals what is stored is written, so an unchanged form adds no entry. A
    change of address needs `suppression_keys` (the secret keys, newest first) and, when a
    purpose waits for double opt-in, the `links` that mint its new confirmation link; a
    caller that forgets them fails loudly rather than skip the check or the email.
    """
    subject = registry.subject_by_id(subject_id, for_update=True)
    if subject is None:
        raise SubjectNotFound(f"No subject {subject_id}.")
    values = _new_values(subject, wanted)
    changed = [field for field in RECTIFIABLE if field in values]
    keys = changed_keys(subject.attributes, values.get("attributes") or {})
    if not changed:
        return []
    new_mailbox = "email_key" in values
    if new_mailbox:
        _check_address_free(registry, subject, values["email_key"])
        _admit_address(registry, suppression_keys, values["email"])
        if subject.email is not None:
            remember_former_address(
                registry, suppression_keys[0], subject.id, subject.email, context.now
            )
    for column, value in values.items():
        if column != "email_key":  # the lookup key is a column only, not part of the row
            setattr(subject, column, value)
    evidence = (clean_evidence(context.evidence) or {}) | {CHANGED: ",".join(changed)}
    if "attributes" in changed:
        evidence[ATTRIBUTE_KEYS] = ",".join(keys)
    pending = _pending_email_purposes(registry, subject.id) if new_mailbox else []
    url = None
    if pending:
        if links is None:
            raise RuntimeError("a new address has purposes to confirm, but no confirmation link")
        url = links.url_for(subject.id)
        evidence[NEW_CONFIRM_LINK] = token_digest(url.rpartition("/")[2]).hex()
    batch = LedgerBatch()
    batch.follow(registry, subject.id, subject.version)
    entry = Entry(
        kind=SUBJECT,
        source=context.source,
        actor=context.actor,
        recorded_at=context.now,
        evidence=Evidence(evidence),
    )
    subject.version, subject.updated_at = batch.add(subject.id, entry), context.now
    routing_key, body = subject_updated_message(subject, changed, context.now)
    batch.announce(subject.id, routing_key, body, context.now)
    if url is not None:
        routing_key, body = confirmation_requested_message(subject, pending, url, context.now)
        batch.announce(subject.id, routing_key, body, context.now)
    registry.set_subject_version(subject.id, subject.version, context.now, **values)
    batch.write(registry)
    return changed


def email_changed_since(
    registry: Repository, subject_id: uuid.UUID, moment: datetime, link: bytes | None = None
) -> bool:
    """Whether the address was rectified at or after `moment` (a link's issue time, say).

    A link only proves control of the mailbox it was sent to; after a change of address it
    no longer proves control of the current one. Link times are whole seconds, so a change
    in the same second as the link counts as after it; the one link minted by the change
    itself, for the new address, is told apart by its digest (`link`, `token_digest`).
    """
    for entry in registry.history(subject_id):
        if entry.record.kind != SUBJECT or entry.record.recorded_at < moment:
            continue
        evidence = entry.evidence or {}
        if "email" not in evidence.get(CHANGED, "").split(","):
            continue
        if link is not None and evidence.get(NEW_CONFIRM_LINK) == link.hex():
            continue
        return True
    return False
