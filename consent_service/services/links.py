"""What the links in emails do: confirm a double opt-in, unsubscribe, undo an unsubscribe.

The pages (web/links.py) check the signed token and call one of these in a transaction.
The person acts for themselves through a link only they received, so the ledger's actor is
`subject`, and the evidence is what the request showed (truncated IP, user agent) and the
digest of the link used. A double opt-in link works once: its use is recorded in the
transaction that grants, so a second click, even one at the same instant, grants nothing;
nor does one sent to an address the person has changed since, which proves nothing about the
new one. An unsubscribe link may undo only what it withdrew itself, within `UNDO_WINDOW`,
and never opens the preference centre: it can only have a new link emailed to the stored
address (docs/decisions/0017).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from consent_service.domain.consent import ConsentStatus, Source
from consent_service.domain.errors import SubjectNotFound
from consent_service.domain.evidence import LINK
from consent_service.domain.purposes import EMAIL_PURPOSES
from consent_service.services.changes import ConfirmLinks, confirmation_requested_message
from consent_service.services.consents import (
    Decisions,
    change_context,
    confirm_email,
    record_decisions,
    set_consent,
)
from consent_service.services.ledger_writer import outbox_row
from consent_service.services.link_emails import (
    LinkEmail,
    PreferenceLinks,
    preferences_link_message,
    within_cap,
)
from consent_service.services.ports import Repository
from consent_service.services.ports.links import LinkTokens, TokenUse
from consent_service.services.ports.subjects import ConsentRow, SubjectRow
from consent_service.services.subject_changes import email_changed_since
from plumbing.tokens import ALL_EMAIL

LINK_ACTOR = "subject"
_WITHDRAWABLE = (ConsentStatus.GRANTED.value, ConsentStatus.PENDING.value)
UNDO_WINDOW = timedelta(minutes=10)
"""How long after pressing "Unsubscribe" the same link may undo it: long enough to notice a
mistake on the page that answers, short enough that a copy of the link (a forwarded email,
a mail provider) cannot subscribe the person again later (docs/decisions/0017)."""


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
    """What a double opt-in page shows: the pending purposes, whether its link was used or
    went to an address changed since, and what a used link granted if all of it still is."""

    used: bool = False
    superseded: bool = False
    still_granted: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resubscription:
    """What an undo of an unsubscribe did: granted at once, or waiting for a confirmation."""

    locale: str
    granted: list[str]
    pending: list[str]


def _subject(registry: Repository, subject_id: uuid.UUID, *, for_update: bool) -> SubjectRow:
    subject = registry.subject_by_id(subject_id, for_update=for_update)
    if subject is None:
        raise SubjectNotFound(f"No subject {subject_id}.")
    return subject


def _pending(consents: dict[str, ConsentRow]) -> list[str]:
    return sorted(p for p, row in consents.items() if row.status == ConsentStatus.PENDING.value)


def pending_confirmation(registry: Repository, subject_id: uuid.UUID) -> LinkTarget:
    """What the confirmation page offers to grant; SubjectNotFound for an erased subject."""
    subject = _subject(registry, subject_id, for_update=False)
    return LinkTarget(subject.locale, _pending(registry.consents_of(subject_id)))


def confirmation_link(
    registry: Repository,
    used: LinkTokens,
    digest: bytes,
    subject_id: uuid.UUID,
    issued_at: datetime,
) -> ConfirmationLink:
    """What a confirmation page shows; SubjectNotFound for an erased subject.

    `issued_at` is the link's signing time: whether the address changed since depends on it.
    """
    target = pending_confirmation(registry, subject_id)
    superseded = email_changed_since(registry, subject_id, issued_at, digest)
    was_used = used.was_used(digest)
    return ConfirmationLink(
        target.locale,
        target.purposes,
        used=was_used,
        superseded=superseded,
        still_granted=_still_granted(registry, subject_id, digest) if was_used else (),
    )


def _still_granted(registry: Repository, subject_id: uuid.UUID, digest: bytes) -> tuple[str, ...]:
    """The purposes this confirmation link granted, if every one of them is granted now.

    A person who opens a used link again is told they are subscribed rather than that the
    link was used, as long as that is still true; a withdrawal since makes it false.
    """
    granted = {
        entry.record.purpose
        for entry in registry.history(subject_id)
        if entry.record.source == Source.DOUBLE_OPT_IN.value
        and (entry.evidence or {}).get(LINK) == digest.hex()
        and entry.record.purpose is not None
    }
    consents = registry.consents_of(subject_id)
    now_granted = {p for p, row in consents.items() if row.status == ConsentStatus.GRANTED.value}
    return tuple(sorted(granted)) if granted and granted <= now_granted else ()


def confirm(
    registry: Repository,
    used: LinkTokens,
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
        evidence=evidence | {LINK: use.digest.hex()},
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


def unsubscribe_target(registry: Repository, subject_id: uuid.UUID, purpose: str) -> LinkTarget:
    """What the unsubscribe page offers to withdraw; SubjectNotFound for an erased subject."""
    subject = _subject(registry, subject_id, for_update=False)
    return LinkTarget(subject.locale, _targets(registry.consents_of(subject_id), purpose))


def unsubscribe(
    registry: Repository,
    subject_id: uuid.UUID,
    purpose: str,
    *,
    source: Source,
    now: datetime,
    evidence: dict[str, str],
    link: bytes,
) -> LinkTarget:
    """Withdraw the link's purpose (or all email); returns what changed, maybe nothing.

    Withdrawing what is already withdrawn writes nothing: a repeated one-click POST is normal
    (RFC 8058 section 6) and must not fill the ledger. The evidence names the link by its
    digest (`link`, `token_digest`), which is what lets this link, and no other, undo it.
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
        shown = evidence | {LINK: link.hex()}
        context = change_context(
            registry, source=source.value, actor=LINK_ACTOR, now=now, evidence=shown
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
    registry: Repository, subject_id: uuid.UUID, links: ConfirmLinks, now: datetime
) -> LinkTarget:
    """Ask for a new double opt-in email with a new link; nothing if nothing is pending.

    It writes the same `optin.confirmation_requested` message a pending change writes, at the
    subject's current version: no consent changes, so no ledger entry is due. Beyond the
    per-person cap (services/link_emails.py) nothing is written, and the caller answers the
    same, whether an email went or not.
    """
    subject = _subject(registry, subject_id, for_update=True)
    pending = _pending(registry.consents_of(subject_id))
    if pending and within_cap(registry, subject_id, LinkEmail.CONFIRMATION, now):
        link = links.url_for(subject.id)
        routing_key, body = confirmation_requested_message(subject, pending, link, now)
        registry.add_outbox([outbox_row(subject.id, routing_key, body, now)])
    return LinkTarget(subject.locale, pending)


def email_preferences_link(
    registry: Repository, subject_id: uuid.UUID, links: PreferenceLinks, now: datetime
) -> LinkTarget:
    """Have a new preference-centre link emailed to the stored address, within the cap.

    The way from an unsubscribe link to the preference centre: the token cannot open it,
    since whoever holds the unsubscribe URL is not necessarily the person, but it can have a
    link sent to the mailbox, which only the person reads. Over the cap nothing is written,
    and the caller answers the same.
    """
    subject = _subject(registry, subject_id, for_update=True)
    if subject.email is not None and within_cap(registry, subject_id, LinkEmail.PREFERENCES, now):
        body = preferences_link_message(subject, links.url_for(subject_id), now)
        routing_key = "subject.preferences_link_requested"
        registry.add_outbox([outbox_row(subject.id, routing_key, body, now)])
    return LinkTarget(subject.locale, [])


def undo_unsubscribe(
    registry: Repository,
    subject_id: uuid.UUID,
    link: bytes,
    *,
    double_opt_in: frozenset[str],
    links: ConfirmLinks,
    now: datetime,
    evidence: dict[str, str],
) -> Resubscription:
    """Undo what this very link withdrew, if nothing else changed it since; maybe nothing.

    A purpose comes back only if its current state is the withdrawal this link's button made
    (source `unsubscribe_link`, evidence naming `link`) less than `UNDO_WINDOW` ago. A purpose
    withdrawn another way (by phone, by the shop, through another email's link), or changed
    by anyone since, stays as it is: the link holder is not necessarily the person, so it
    may only take back its own mistake. The grant is recorded as what it is, a new decision
    (source `resubscribe`), not as a reversal of the ledger; an address never confirmed
    goes back to pending, with one confirmation email for everything.
    """
    subject = _subject(registry, subject_id, for_update=True)
    wanted = _withdrawn_by(registry, subject_id, link, since=now - UNDO_WINDOW)
    if not wanted or subject.email is None:
        return Resubscription(subject.locale, granted=[], pending=[])
    decisions = Decisions(
        email=subject.email,
        purposes=dict.fromkeys(wanted, True),
        source=Source.RESUBSCRIBE.value,
        actor=LINK_ACTOR,
        evidence=evidence | {LINK: link.hex()},
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


def _withdrawn_by(
    registry: Repository, subject_id: uuid.UUID, link: bytes, *, since: datetime
) -> list[str]:
    """The purposes whose current state is a withdrawal by this link's button since `since`.

    A consent row's version is the ledger entry that set it, so the entry's evidence says
    which link made the state that holds now; any later change has a later entry.
    """
    recent = {
        purpose: row.version
        for purpose, row in registry.consents_of(subject_id).items()
        if row.status == ConsentStatus.WITHDRAWN.value
        and row.source == Source.UNSUBSCRIBE_LINK.value
        and row.updated_at >= since
    }
    if not recent:
        return []
    evidence = {entry.record.seq: entry.evidence or {} for entry in registry.history(subject_id)}
    return sorted(p for p, seq in recent.items() if evidence.get(seq, {}).get(LINK) == link.hex())
