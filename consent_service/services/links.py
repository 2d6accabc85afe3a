"""What the links in emails do: confirm a double opt-in, or unsubscribe from an email's purpose.

The routes (api/links.py) check the signed token and call one of these in a transaction.
The person acts for themselves through a link only they received, so the ledger's actor is
`subject`, and the evidence is what the request showed (truncated IP, user agent).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from consent_service.adapters.repository import ConsentRow, Registry, SubjectRow
from consent_service.domain.consent import ConsentStatus, Source
from consent_service.domain.errors import SubjectNotFound
from consent_service.domain.purposes import EMAIL_PURPOSES
from consent_service.services.consents import change_context, confirm_email, set_consent
from schemas.tokens import ALL_EMAIL

LINK_ACTOR = "subject"
_WITHDRAWABLE = (ConsentStatus.GRANTED.value, ConsentStatus.PENDING.value)


@dataclass(frozen=True)
class LinkTarget:
    """Whom a link is about and which purposes it would change (or changed)."""

    locale: str
    purposes: list[str]


def _subject(registry: Registry, subject_id: uuid.UUID, *, for_update: bool) -> SubjectRow:
    subject = registry.subject_by_id(subject_id, for_update=for_update)
    if subject is None:
        raise SubjectNotFound(f"No subject {subject_id}.")
    return subject


def _pending(consents: dict[str, ConsentRow]) -> list[str]:
    return sorted(p for p, row in consents.items() if row.status == ConsentStatus.PENDING.value)


def pending_confirmation(registry: Registry, subject_id: uuid.UUID) -> LinkTarget:
    """What the confirmation page offers to grant; SubjectNotFound for an erased subject."""
    subject = _subject(registry, subject_id, for_update=False)
    return LinkTarget(subject.locale, _pending(registry.consents_of(subject_id)))


def confirm(
    registry: Registry, subject_id: uuid.UUID, now: datetime, evidence: dict[str, str]
) -> LinkTarget:
    """Grant every pending purpose (double opt-in); returns those it granted, maybe none."""
    subject = _subject(registry, subject_id, for_update=True)
    pending = _pending(registry.consents_of(subject_id))
    context = change_context(
        registry,
        source=Source.DOUBLE_OPT_IN.value,
        actor=LINK_ACTOR,
        now=now,
        evidence=evidence,
    )
    confirm_email(registry, subject_id, context)
    return LinkTarget(subject.locale, pending)


def _targets(consents: dict[str, ConsentRow], purpose: str) -> list[str]:
    """`all` means every email purpose the person has granted or is asked to confirm."""
    if purpose != ALL_EMAIL:
        return [purpose]
    return sorted(
        p for p, row in consents.items() if p in EMAIL_PURPOSES and row.status in _WITHDRAWABLE
    )


def unsubscribe_target(registry: Registry, subject_id: uuid.UUID, purpose: str) -> LinkTarget:
    """What the unsubscribe page offers to withdraw; SubjectNotFound for an erased subject."""
    subject = _subject(registry, subject_id, for_update=False)
    return LinkTarget(subject.locale, _targets(registry.consents_of(subject_id), purpose))


def unsubscribe(
    registry: Registry,
    subject_id: uuid.UUID,
    purpose: str,
    *,
    source: Source,
    now: datetime,
    evidence: dict[str, str],
) -> LinkTarget:
    """Withdraw the link's purpose (or all email); returns what changed, maybe nothing.

    Withdrawing what is already withdrawn writes nothing: a repeated one-click POST is normal
    (RFC 8058 section 6) and must not fill the ledger.
    """
    subject = _subject(registry, subject_id, for_update=True)
    consents = registry.consents_of(subject_id)
    targets = _targets(consents, purpose)
    changing = [
        p
        for p in targets
        if p not in consents or consents[p].status != ConsentStatus.WITHDRAWN.value
    ]
    if changing:
        context = change_context(
            registry, source=source.value, actor=LINK_ACTOR, now=now, evidence=evidence
        )
        for target in changing:
            set_consent(
                registry,
                subject_id,
                target,
                ConsentStatus.WITHDRAWN,
                context,
                frozenset(),
                links=None,
            )
    return LinkTarget(subject.locale, changing)
