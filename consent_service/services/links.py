"""What the links in emails do: confirm a double opt-in, unsubscribe, undo an unsubscribe.

The pages (web/links.py) check the signed token and call one of these in a transaction.
The person acts for themselves through a link only they received, so the ledger's actor is
`subject`, and the evidence is what the request showed (truncated IP, user agent). A double
opt-in link works once: its use is recorded in the transaction that grants, so a second
click, even one at the same instant, grants nothing; nor does one sent to an address the
person has changed since, which proves nothing about the new one.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from consent_service.adapters.link_token_store import LinkTokenStore, TokenUse
from consent_service.adapters.repository import ConsentRow, Registry, SubjectRow
from consent_service.domain.consent import ConsentStatus, Source
from consent_service.domain.errors import SubjectNotFound
from consent_service.domain.purposes import EMAIL_PURPOSES
from consent_service.services.changes import (
    ConfirmLinks,
    confirmation_requested_message,
    outbox_row,
)
from consent_service.services.consents import (
    Decisions,
    change_context,
    confirm_email,
    record_decisions,
    set_consent,
)
from consent_service.services.subject_changes import email_changed_since
from schemas.tokens import ALL_EMAIL

LINK_ACTOR = "subject"
_WITHDRAWABLE = (ConsentStatus.GRANTED.value, ConsentStatus.PENDING.value)


class LinkAlreadyUsed(Exception):
    """The single-use link was used before; this use changed nothing."""


class LinkSuperseded(Exception):
    """The link was sent to an address the person has changed since; it changed nothing."""


@dataclass(frozen=True)
class LinkTarget:
    """Whom a link is about and which purposes it would change (or changed)."""

    locale: str
    purposes: list[str]


@dataclass(frozen=True)
class ConfirmationLink(LinkTarget):
    """What a double opt-in page shows: the pending purposes, and whether its link was used
    or went to an address changed since."""

    used: bool = False
    superseded: bool = False


@dataclass(frozen=True)
class Resubscription:
    """What an undo of an unsubscribe did: granted at once, or waiting for a confirmation."""

    locale: str
    granted: list[str]
    pending: list[str]


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


def confirmation_link(
    registry: Registry,
    used: LinkTokenStore,
    digest: bytes,
    subject_id: uuid.UUID,
    issued_at: datetime,
) -> ConfirmationLink:
    """What a confirmation page shows; SubjectNotFound for an erased subject.

    `issued_at` is the link's signing time: whether the address changed since depends on it.
    """
    target = pending_confirmation(registry, subject_id)
    superseded = email_changed_since(registry, subject_id, issued_at, digest)
    return ConfirmationLink(
        target.locale, target.purposes, used=used.was_used(digest), superseded=superseded
    )


def confirm(
    registry: Registry,
    used: LinkTokenStore,
    use: TokenUse,
    now: datetime,
    evidence: dict[str, str],
    issued_at: datetime,
) -> LinkTarget:
    """Use the link once: grant every pending purpose; returns those it granted, maybe none.

    The use is recorded first, so a concurrent second click waits on it and then finds the
    link used (LinkAlreadyUsed) instead of granting again. A link issued (`issued_at`)
    before a change of address raises LinkSuperseded, and the caller's rollback forgets the
    use: it proves control of the old mailbox only.
    """
    if not used.use(use):
        raise LinkAlreadyUsed()
    subject_id = use.subject_id
    subject = _subject(registry, subject_id, for_update=True)
    if email_changed_since(registry, subject_id, issued_at, use.digest):
        raise LinkSuperseded()
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


def resend_confirmation(
    registry: Registry, subject_id: uuid.UUID, links: ConfirmLinks, now: datetime
) -> LinkTarget:
    """Ask for a new double opt-in email with a new link; nothing if nothing is pending.

    It writes the same `optin.confirmation_requested` message a pending change writes, at the
    subject's current version: no consent changes, so no ledger entry is due.
    """
    subject = _subject(registry, subject_id, for_update=True)
    pending = _pending(registry.consents_of(subject_id))
    if pending:
        context = change_context(
            registry, source=Source.DOUBLE_OPT_IN.value, actor=LINK_ACTOR, now=now
        )
        routing_key, body = confirmation_requested_message(subject, pending, links, context)
        registry.add_outbox([outbox_row(subject, routing_key, body, now)])
    return LinkTarget(subject.locale, pending)


def undoable(purpose_of_link: str, asked: list[str]) -> list[str] | None:
    """The purposes an undo may grant again, or None if it asks for any other.

    An unsubscribe link only ever withdrew its own purpose, or email for `all`; its undo may
    give back no more than that.
    """
    allowed = EMAIL_PURPOSES if purpose_of_link == ALL_EMAIL else {purpose_of_link}
    if not asked or not set(asked) <= allowed:
        return None
    return sorted(set(asked))


def resubscribe(
    registry: Registry,
    subject_id: uuid.UUID,
    purposes: list[str],
    *,
    double_opt_in: frozenset[str],
    links: ConfirmLinks,
    now: datetime,
    evidence: dict[str, str],
) -> Resubscription:
    """Undo an unsubscribe: a fresh, explicit grant of each purpose that is withdrawn now.

    It is recorded as what it is, a new decision (source `resubscribe`), not as a reversal
    of the ledger; an address never confirmed goes back to pending. The purposes are decided
    together, as a form's answers are, so that one confirmation email asks for all of them.
    """
    subject = _subject(registry, subject_id, for_update=True)
    consents = registry.consents_of(subject_id)
    withdrawn = ConsentStatus.WITHDRAWN.value
    wanted = [p for p in purposes if p in consents and consents[p].status == withdrawn]
    if not wanted or subject.email is None:
        return Resubscription(subject.locale, granted=[], pending=[])
    decisions = Decisions(
        email=subject.email,
        purposes=dict.fromkeys(wanted, True),
        source=Source.RESUBSCRIBE.value,
        actor=LINK_ACTOR,
        evidence=evidence,
    )
    view, _created = record_decisions(
        registry,
        decisions,
        default_locale=subject.locale,
        double_opt_in=double_opt_in,
        now=now,
        links=links,
        suppression_keys=(),  # the subject exists and is locked: no address is admitted
    )
    status = {p: view.consents[p].status for p in wanted}
    return Resubscription(
        subject.locale,
        granted=[p for p in wanted if status[p] == ConsentStatus.GRANTED.value],
        pending=[p for p in wanted if status[p] == ConsentStatus.PENDING.value],
    )
