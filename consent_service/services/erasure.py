"""Erasure (GDPR Art. 17): the person's contact data goes, the proof stays, unlinkable.

One transaction removes every copy of the person's contact data the registry keeps (the
subject row's email, name and external id; the outbox messages and stored API answers that
carry the addresses of the time; the evidence of every ledger entry), appends a ledger entry
of kind `erasure` at the next version, and writes `subject.erased/1` so the mailer deletes
its copy; the running consent counts lose the person and their consents
(domain/tallies.py). The subject id stays as a pseudonym: the chain, which hashes only evidence
digests, still verifies, and the mailer's send counts still add up.

A keyed hash of every address the person had goes on the suppression list
(domain/suppression.py): the current one, the former ones kept as keyed hashes since each
rectification, and any the outbox or the stored API answers still carry (for a change of
address made before those hashes were kept). So an import or an admin grant cannot bring
the person back under any of them without them asking; a fresh sign-up through a form is
the person asking, and takes that address off the list (`admit_address`). See
docs/decisions/0012-rectification-and-erasure.md and 0017.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consent_service.domain.consent import Source
from consent_service.domain.errors import Conflict, SubjectNotFound
from consent_service.domain.ledger import timestamp
from consent_service.domain.rights_requests import DEFAULT_DUE_DAYS
from consent_service.domain.suppression import SuppressionReason
from consent_service.services.ledger_writer import Entry, Evidence, LedgerBatch
from consent_service.services.ports import Repository
from consent_service.services.rights_requests import fulfilled_at_once
from consent_service.services.suppressions import (
    lift,
    suppress_every_address,
    suppression_reasons,
)

ERASURE = "erasure"
"""The kind of the ledger entry and of the rights request."""
SUBJECT_ERASED = "subject.erased/1"
FRESH_EVIDENCE = frozenset(
    source.value
    for source in (Source.REGISTRATION, Source.NEWSLETTER_FORM, Source.ORDER, Source.SURVEY)
)
"""Sources where the person fills in a form themselves: the only way back after erasure."""


@dataclass(frozen=True)
class Erasure:
    """Who asked for the erasure, through what, and when."""

    source: str
    actor: str
    now: datetime
    due_days: int = DEFAULT_DUE_DAYS
    """The request's due day when erasing is its answer (CONSENT_REQUEST_DUE_DAYS)."""


@dataclass(frozen=True)
class Erased:
    subject_id: uuid.UUID
    version: int
    locale: str
    """The language the person last chose, for the page that says it is done."""


def _erased_message(subject_id: uuid.UUID, version: int, now: datetime) -> dict[str, Any]:
    """`subject.erased/1`: the id and the version, and nothing else about the person."""
    return {
        "schema": SUBJECT_ERASED,
        "message_id": str(uuid.uuid4()),
        "occurred_at": timestamp(now),
        "subject_id": str(subject_id),
        "version": version,
    }


def erase(registry: Repository, subject_id: uuid.UUID, context: Erasure, secret_key: str) -> Erased:
    """Erase the subject in the caller's transaction; SubjectNotFound if unknown or erased.

    The subject row is locked first, so a consent change or a rectification running at the
    same moment either comes before (and is erased with the rest) or finds no subject. The
    subject's messages are deleted before `subject.erased/1` is written, and the ledger is
    pseudonymised after the erasure's own entry is appended, so that one keeps no nonce either.
    """
    subject = registry.subject_by_id(subject_id, for_update=True)
    if subject is None:
        raise SubjectNotFound(f"No subject {subject_id}.")
    now, personal = context.now, registry.personal_data
    addresses = personal.addresses_in_messages(subject.id)
    if subject.email is not None:
        addresses.add(subject.email)
    suppress_every_address(
        registry, secret_key, subject.id, addresses, SuppressionReason.ERASED, now
    )
    batch = LedgerBatch()
    batch.follow(registry, subject.id, subject.version)
    entry = Entry(
        kind=ERASURE,
        source=context.source,
        actor=context.actor,
        recorded_at=now,
        evidence=Evidence(None),
    )
    version = batch.add(subject.id, entry)
    held = registry.consents_of(subject.id)
    batch.erased({purpose: row.status for purpose, row in held.items()})
    personal.delete_consents(subject.id)
    personal.forget_contact(subject.id, version, now)
    personal.delete_outbox(subject.id)
    personal.delete_idempotent_answers(subject.id)
    registry.link_emails.delete_of(subject.id)
    batch.announce(subject.id, "subject.erased", _erased_message(subject.id, version, now), now)
    batch.write(registry)
    personal.pseudonymise_ledger(subject.id)
    if not registry.rights.complete_requests(subject.id, ERASURE, now):
        # Nobody had filed a request to complete: asking and answering were one moment.
        request = fulfilled_at_once(subject.id, ERASURE, context.source, now, context.due_days)
        registry.rights.add_request(request)
    # Requests keep no way to reach an erased person: theirs, or any naming their addresses.
    registry.rights.forget_contact(subject.id, addresses)
    return Erased(subject.id, version, subject.locale)


def _erased(registry: Repository, secret_keys: tuple[str, ...], email: str) -> bool:
    if not secret_keys:
        raise RuntimeError("the suppression list cannot be read without the secret keys")
    return SuppressionReason.ERASED in suppression_reasons(registry, secret_keys, email)


def refuse_if_erased(
    registry: Repository, secret_keys: tuple[str, ...], email: str, source: str
) -> None:
    """Conflict if the address was erased and `source` is not the person signing up anew.

    For an import, an admin grant or any other source that brings no fresh evidence of the
    person's consent. `secret_keys` are the current secret key and the previous ones.
    """
    if source not in FRESH_EVIDENCE and _erased(registry, secret_keys, email):
        raise Conflict(
            f"This address is on the suppression list ({SuppressionReason.ERASED.value}): its "
            f"holder had their data erased. Source {source!r} brings no fresh consent; only "
            "the person signing up again through a form can bring the address back.",
            field="email",
        )


def admit_address(
    registry: Repository, secret_keys: tuple[str, ...], email: str, source: str
) -> None:
    """Before a new subject is created: refuse an erased address, or readmit it.

    A form (`FRESH_EVIDENCE`) is the person giving consent anew, which the ledger records as
    such; the address then leaves the list, so a later import of it is not refused.
    """
    refuse_if_erased(registry, secret_keys, email, source)
    if source in FRESH_EVIDENCE and _erased(registry, secret_keys, email):
        lift(registry, secret_keys, email, SuppressionReason.ERASED)
