"""Recording people's decisions: a form's yes and no, or one purpose set directly.

A yes that needs double opt-in leaves the purpose pending and writes, in the same
transaction, the request for the confirmation email (`services.changes`); every entry point
that can grant therefore passes the `ConfirmLinks` that mint its link.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consent_service.domain.consent import ConsentStatus, SubjectConsents
from consent_service.domain.emails import email_key, normalize_email
from consent_service.domain.errors import DomainError, SubjectNotFound
from consent_service.domain.evidence import clean_evidence
from consent_service.domain.purposes import consent_purpose
from consent_service.services.changes import ChangeContext, ConfirmLinks, write_changes
from consent_service.services.erasure import admit_address
from consent_service.services.policies import resolve_policy_version
from consent_service.services.ports import Repository
from consent_service.services.ports.subjects import ConsentRow, SubjectRow
from consent_service.services.subject_changes import Rectification, rectify
from consent_service.services.views import SubjectView


@dataclass(frozen=True)
class Decisions:
    """A form's answers, as the API received them."""

    email: str
    purposes: dict[str, bool]
    source: str
    actor: str
    locale: str | None = None
    external_id: str | None = None
    name: str | None = None
    policy_version: str | None = None
    evidence: dict[str, str] | None = None
    attributes: dict[str, Any] | None = None
    """Merged into the subject's after the consents, as a rectification (decision 0047)."""


def change_context(
    registry: Repository,
    *,
    source: str,
    actor: str,
    now: datetime,
    policy_version: str | None = None,
    evidence: dict[str, str] | None = None,
) -> ChangeContext:
    """The circumstances of a change, bound to a policy version that is in effect."""
    return ChangeContext(
        source=source,
        actor=actor,
        policy_version=resolve_policy_version(registry, policy_version, now),
        now=now,
        evidence=clean_evidence(evidence),
    )


def _aggregate(subject: SubjectRow, existing: dict[str, ConsentRow]) -> SubjectConsents:
    return SubjectConsents(
        version=subject.version,
        email_confirmed=subject.email_confirmed_at is not None,
        statuses={p: ConsentStatus(row.status) for p, row in existing.items()},
    )


def _apply(
    registry: Repository,
    subject: SubjectRow,
    decisions: dict[str, bool],
    double_opt_in: frozenset[str],
    context: ChangeContext,
    links: ConfirmLinks | None,
    new_email_key: str | None = None,
    address_proven: bool = True,
) -> SubjectView:
    existing = registry.consents_of(subject.id) if subject.version else {}
    aggregate = _aggregate(subject, existing)
    for purpose in sorted(decisions):
        aggregate.decide(
            purpose,
            decisions[purpose],
            double_opt_in=purpose in double_opt_in,
            address_proven=address_proven,
        )
    written = write_changes(
        registry,
        subject,
        aggregate.changes,
        existing,
        context,
        new_email_key=new_email_key,
        links=links,
    )
    return SubjectView(subject, existing | {row.purpose: row for row in written})


def record_decisions(
    registry: Repository,
    decisions: Decisions,
    *,
    default_locale: str,
    double_opt_in: frozenset[str],
    now: datetime,
    links: ConfirmLinks,
    suppression_keys: tuple[str, ...],
    address_proven: bool = True,
) -> tuple[SubjectView, bool]:
    """Record a form's answers; creates the subject if new. Returns (view, created).

    A new subject's address is checked against the suppression list first
    (`services.erasure.admit_address`, with `suppression_keys` the secret keys, newest
    first): an erased address comes back only through a form. `address_proven=False`
    (public sign-up forms) makes every grant in `double_opt_in` wait for the confirmation
    link even when the address was confirmed before.
    """
    if not decisions.purposes:
        raise DomainError("Name at least one purpose.", field="purposes")
    for purpose in decisions.purposes:
        consent_purpose(purpose)
    email = normalize_email(decisions.email)
    context = change_context(
        registry,
        source=decisions.source,
        actor=decisions.actor,
        now=now,
        policy_version=decisions.policy_version,
        evidence=decisions.evidence,
    )
    subject = registry.subject_by_email_key(email_key(email), for_update=True)
    created = subject is None
    if subject is None:
        admit_address(registry, suppression_keys, email, decisions.source)
        subject = SubjectRow(
            id=uuid.uuid4(),
            email=email,
            locale=decisions.locale or default_locale,
            name=decisions.name,
            external_id=decisions.external_id,
            version=0,
            email_confirmed_at=None,
            created_at=now,
            updated_at=now,
        )
    view = _apply(
        registry,
        subject,
        decisions.purposes,
        double_opt_in,
        context,
        links,
        new_email_key=email_key(email) if created else None,
        address_proven=address_proven,
    )
    if decisions.attributes:
        rectification = Rectification(decisions.source, decisions.actor, now, decisions.evidence)
        if rectify(registry, subject.id, {"attributes": decisions.attributes}, rectification):
            fresh = registry.subject_by_id(subject.id)
            if fresh is not None:
                view = SubjectView(fresh, view.consents)
    return view, created


def set_consent(
    registry: Repository,
    subject_id: uuid.UUID,
    purpose: str,
    status: ConsentStatus,
    context: ChangeContext,
    double_opt_in: frozenset[str],
    *,
    links: ConfirmLinks | None,
) -> SubjectView:
    """Grant or withdraw one purpose; a grant needing double opt-in may stay pending.

    `links` may be None only for a withdrawal, which never makes anything pending.
    """
    consent_purpose(purpose)
    if status is ConsentStatus.PENDING:
        raise DomainError("Status must be 'granted' or 'withdrawn'.", field="status")
    subject = registry.subject_by_id(subject_id, for_update=True)
    if subject is None:
        raise SubjectNotFound(f"No subject {subject_id}.")
    wants = status is ConsentStatus.GRANTED
    return _apply(registry, subject, {purpose: wants}, double_opt_in, context, links)


def confirm_email(
    registry: Repository, subject_id: uuid.UUID, context: ChangeContext
) -> SubjectView:
    """Double opt-in: the address is proven, so every pending purpose becomes granted."""
    subject = registry.subject_by_id(subject_id, for_update=True)
    if subject is None:
        raise SubjectNotFound(f"No subject {subject_id}.")
    existing = registry.consents_of(subject.id)
    aggregate = _aggregate(subject, existing)
    aggregate.confirm_email()
    written = write_changes(registry, subject, aggregate.changes, existing, context)
    if subject.email_confirmed_at is None:
        subject.email_confirmed_at = context.now
        registry.set_subject_version(
            subject.id, subject.version, context.now, email_confirmed_at=context.now
        )
    return SubjectView(subject, existing | {row.purpose: row for row in written})
