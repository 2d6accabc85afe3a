"""Suppressing addresses and asking whether one is suppressed (domain/suppression.py).

The console's suppressions page counts the list by reason, looks up a typed address and lets
staff lift a bounce with a reason (`lift_by_staff`, in the console audit log); an erasure's
suppression is refused there (decision 0045).

Lookups hash the presented address under the current and every previous secret key, so a
key rotation does not quietly empty the list; new entries use the current key. The keyed
hashes of a subject's former addresses are kept the same way until erasure suppresses them.
"""

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TypeVar

from consent_service.domain.emails import email_key, normalize_email
from consent_service.domain.errors import Conflict, DomainError
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.domain.suppression import (
    LIFTABLE,
    UNDELIVERABLE,
    SuppressionReason,
    address_hash,
    address_hashes,
)
from consent_service.services.console_log import AuditLog
from consent_service.services.ports import Repository
from consent_service.services.staff_accounts import Acting

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


MAX_WHY = 500


class NotLiftable(Conflict):
    """An erasure's suppression: only the person's fresh consent lifts it."""

    field = "reason"


class UnknownReason(DomainError):
    field = "reason"


class WhyMissing(DomainError):
    """Lifting needs the reason it is lifted for, in the staff member's words."""

    field = "why"


class WhyTooLong(DomainError):
    field = "why"


class WhyUnreadable(DomainError):
    """Characters no database keeps (NUL)."""

    field = "why"


class NotSuppressed(Conflict):
    """The address is not suppressed for this reason (lifted meanwhile, or never)."""


def counts_by_reason(registry: Repository) -> dict[SuppressionReason, int]:
    """Every reason with how many addresses it holds, none left out."""
    found = registry.suppressions.counts()
    return {reason: found.get(reason.value, 0) for reason in SuppressionReason}


def look_up(
    registry: Repository, secret_keys: tuple[str, ...], typed: str
) -> dict[SuppressionReason, datetime]:
    """Why a whole typed address is suppressed and since when; raises InvalidEmail for what is
    not an address. The address is only hashed, never kept."""
    hashes = address_hashes(secret_keys, email_key(normalize_email(typed)))
    found = registry.suppressions.entries(hashes)
    return {
        SuppressionReason(reason): since
        for reason, since in sorted(found.items())
        if reason in SuppressionReason.__members__.values()
    }


def lift_by_staff(
    registry: Repository,
    log: AuditLog,
    acting: Acting,
    secret_keys: tuple[str, ...],
    typed: str,
    reason: str,
    why: str,
    now: datetime,
) -> int:
    """Lift one liftable suppression of a typed address, recorded in the console audit log
    with the staff member's reason (never the address). Refuses an erasure's suppression."""
    address = normalize_email(typed)
    if reason not in SuppressionReason.__members__.values():
        raise UnknownReason("Choose a suppression reason.")
    chosen = SuppressionReason(reason)
    if chosen not in LIFTABLE:
        raise NotLiftable("An erasure's suppression is lifted only by the person's new consent.")
    why = why.strip()
    if not why:
        raise WhyMissing("Say why the suppression is lifted.")
    if len(why) > MAX_WHY:
        raise WhyTooLong(f"Write at most {MAX_WHY} characters.")
    if "\x00" in why:
        raise WhyUnreadable("The reason holds a character that cannot be stored.")
    lifted = lift(registry, secret_keys, address, chosen)
    if not lifted:
        raise NotSuppressed("The address is not suppressed for this reason.")
    log.record(
        AuditEntry(
            now,
            acting.user_id,
            AuditAction.SUPPRESSION_LIFTED,
            f"suppression:{chosen.value}",
            acting.client_address,
            {"reason": chosen.value, "why": why},
        )
    )
    return lifted
