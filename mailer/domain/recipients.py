"""Applying a fact to the mailer's view of one subject, so that order and repeats never matter.

Messages may arrive twice, late or out of order (competing consumers, requeues, a catch-up
racing the queue). Each piece of state therefore remembers the version that set it and only a
strictly newer fact replaces it:

- a purpose's status is replaced only by a fact about that purpose with a higher version;
- contact data (email, locale, name) only by a fact with a version above `contact_version`;
- the recipient's `version` is the highest version applied.

A suppressed address (a hard bounce, an invalid address: the registry's suppression list)
gets no campaign email even if its consents say granted. Suppression belongs to the address,
not to the person: a fact that brings a newer contact record sets it if it says, and
otherwise keeps it only while the address stays the same (a rectification to another
address lifts it). A snapshot at the very version of the contact held is the registry's
current word on that same address, so it may set the flag without a newer version: an
address can be suppressed before its holder ever signed up, which moves no version of theirs.

Erasure removes the recipient whatever it holds (privacy first: the registry never sends
anything about a subject after its erasure, so there is nothing newer to keep) and leaves a
tombstone with the erasure's version; any fact at or below that version is then ignored, so a
late or duplicated event can never bring the person back.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from mailer.domain.events import (
    ConsentChanged,
    Contact,
    ContactUpdated,
    Erased,
    Fact,
    PurposeState,
    Snapshot,
)

Outcome = Literal["applied", "stale"]


@dataclass(frozen=True)
class Recipient:
    subject_id: uuid.UUID
    version: int
    contact: Contact
    contact_version: int
    consents: Mapping[str, PurposeState] = field(default_factory=dict)
    suppressed: bool = False
    """No campaign email may go to the address (`contact.email`)."""


@dataclass(frozen=True)
class SubjectView:
    """All the mailer holds about one subject: a recipient, a tombstone, both or neither.

    Both only if a fact newer than the erasure arrived, which a well-behaved registry never
    sends; the view stays correct (newest fact wins) if one does.
    """

    subject_id: uuid.UUID
    recipient: Recipient | None = None
    erased_version: int | None = None


def apply(view: SubjectView, fact: Fact) -> tuple[SubjectView, Outcome]:
    """The view after `fact`, and whether anything changed ("applied") or not ("stale")."""
    after = _apply(view, fact)
    return after, "applied" if after != view else "stale"


def forget(view: SubjectView) -> SubjectView:
    """The view without its recipient: the registry no longer knows this subject at all."""
    return SubjectView(view.subject_id, None, view.erased_version)


def _apply(view: SubjectView, fact: Fact) -> SubjectView:
    if view.erased_version is not None and fact.version <= view.erased_version:
        return view
    match fact:
        case Erased() | Snapshot(erased=True):
            return SubjectView(view.subject_id, None, fact.version)
        case ConsentChanged():
            state = {fact.purpose: PurposeState(fact.status, fact.version)}
            recipient = _merge(view, fact.version, fact.contact, state, complete=False)
        case ContactUpdated():
            recipient = _merge(
                view, fact.version, fact.contact, {}, complete=False, suppressed=fact.suppressed
            )
        case Snapshot():
            recipient = _merge(
                view,
                fact.version,
                fact.contact,
                fact.consents,
                complete=True,
                suppressed=fact.suppressed,
            )
    return SubjectView(view.subject_id, recipient, view.erased_version)


def _merge(
    view: SubjectView,
    version: int,
    contact: Contact,
    states: Mapping[str, PurposeState],
    *,
    complete: bool,
    suppressed: bool | None = None,
) -> Recipient:
    """Newer pieces replace older ones; a `complete` record also drops purposes it lacks.

    A snapshot lists every purpose the registry holds at its version, so a purpose held here
    at or below that version but absent there is one the registry does not have.
    """
    current = view.recipient or Recipient(view.subject_id, 0, Contact(None, None, None), 0)
    consents = dict(current.consents)
    for purpose, state in states.items():
        held = consents.get(purpose)
        if held is None or state.version > held.version:
            consents[purpose] = state
    if complete:
        for purpose, held in list(consents.items()):
            if purpose not in states and held.version <= version:
                del consents[purpose]
    newer_contact = view.recipient is None or version > current.contact_version
    if newer_contact:
        # Attributes the fact does not carry are kept; none at all are held as None.
        said = contact.attributes
        attributes = current.contact.attributes if said is None else said
        contact = replace(contact, attributes=dict(attributes) if attributes else None)
    return Recipient(
        subject_id=current.subject_id,
        version=max(current.version, version),
        contact=contact if newer_contact else current.contact,
        contact_version=version if newer_contact else current.contact_version,
        consents=consents,
        suppressed=_suppressed(current, version, contact, suppressed, newer=newer_contact),
    )


def _suppressed(
    current: Recipient, version: int, contact: Contact, said: bool | None, *, newer: bool
) -> bool:
    """The flag after a fact of `version` with `contact` that says `said` (None: nothing)."""
    same_address = _address_key(contact.email) == _address_key(current.contact.email)
    if newer:
        return said if said is not None else current.suppressed and same_address
    if said is not None and version == current.contact_version and same_address:
        return said
    return current.suppressed


def _address_key(email: str | None) -> str | None:
    """Addresses compare case-insensitively, as the registry's lookup does."""
    return email.lower() if email else None


def id_range(prefix: str) -> tuple[uuid.UUID, uuid.UUID]:
    """The first and last subject id starting with these hex digits (a catch-up bucket).

    Uuids compare as their hex digits, in Python as in both databases (PostgreSQL bytewise,
    SQLite as 32-char lower-case text), so a bucket is one range of ids.
    """
    return uuid.UUID(prefix.ljust(32, "0")), uuid.UUID(prefix.ljust(32, "f"))
