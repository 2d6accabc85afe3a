"""Suppressing addresses and asking whether one is suppressed (domain/suppression.py).

Lookups hash the presented address under the current and every previous secret key, so a
key rotation does not quietly empty the list; new entries use the current key. The keyed
hashes of a subject's former addresses are kept the same way until erasure suppresses them.
"""

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TypeVar

from consent_service.domain.emails import email_key
from consent_service.domain.suppression import (
    UNDELIVERABLE,
    SuppressionReason,
    address_hash,
    address_hashes,
)
from consent_service.services.ports import Repository

K = TypeVar("K")


def suppress(
    registry: Repository, secret_key: str, email: str, reason: SuppressionReason, now: datetime
) -> None:
    registry.suppressions.add(address_hash(secret_key, email_key(email)), reason, now)


def remember_former_address(
    registry: Repository, secret_key: str, subject_id: uuid.UUID, email: str, now: datetime
) -> None:
    """Keep a keyed hash of an address the subject is leaving (a rectification), so that an
    erasure can suppress it too: every address the person had, not only the last."""
    registry.suppressions.add_former(subject_id, address_hash(secret_key, email_key(email)), now)


def suppress_every_address(
    registry: Repository,
    secret_key: str,
    subject_id: uuid.UUID,
    addresses: Iterable[str],
    reason: SuppressionReason,
    now: datetime,
) -> None:
    """Suppress `addresses` and every former address kept for the subject; the kept hashes
    are deleted, as they now live on the list (hashed under whichever key was current)."""
    for email in set(map(email_key, addresses)):
        suppress(registry, secret_key, email, reason, now)
    for hashed in registry.suppressions.take_former(subject_id):
        registry.suppressions.add(hashed, reason, now)


def suppression_reasons(
    registry: Repository, secret_keys: tuple[str, ...], email: str
) -> set[SuppressionReason]:
    """Why the address is suppressed (empty when it is not); `secret_keys` newest first."""
    found = registry.suppressions.reasons(address_hashes(secret_keys, email_key(email)))
    return {SuppressionReason(reason) for reason in found}


def lift(
    registry: Repository, secret_keys: tuple[str, ...], email: str, reason: SuppressionReason
) -> int:
    """Remove one reason, e.g. erasure's once the person signs up again with fresh evidence."""
    hashes = address_hashes(secret_keys, email_key(email))
    return registry.suppressions.remove(hashes, reason)


def undeliverable(
    registry: Repository, secret_keys: tuple[str, ...], emails: Mapping[K, str]
) -> set[K]:
    """The keys of `emails` whose address no campaign email may go to (`UNDELIVERABLE`).

    The send-time fence and the mailer's catch-up ask this of the addresses subjects hold
    now, so a suppression follows the address: whoever holds it is not mailed, and a subject
    who moves to another address is mailed again (docs/decisions/0014).
    """
    by_hash = {
        hashed: key
        for key, email in emails.items()
        for hashed in address_hashes(secret_keys, email_key(email))
    }
    found = registry.suppressions.held(by_hash, [reason.value for reason in UNDELIVERABLE])
    return {by_hash[hashed] for hashed in found}
