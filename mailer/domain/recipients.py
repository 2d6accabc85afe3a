"""Applying a fact to the mailer's view of one subject, so that order and repeats never matter.

Messages may arrive twice, late or out of order (competing consumers, requeues, a catch-up
racing the queue). Each piece of state therefore remembers the version that set it and only a
strictly newer fact replaces it:

- a purpose's status is replaced only by a fact about that purpose with a higher version;
- contact data (email, locale, name) only by a fact with a version above `contact_version`;
- the recipient's `version` is the highest version applied.

Erasure removes the recipient whatever it holds (privacy first: the registry never sends
anything about a subject after its erasure, so there is nothing newer to keep) and leaves a
tombstone with the erasure's version; any fact at or below that version is then ignored, so a
late or duplicated event can never bring the person back.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
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
            recipient = _merge(view, fact.version, fact.contact, {}, complete=False)
        case Snapshot():
            recipient = _merge(view, fact.version, fact.contact, fact.consents, complete=True)
    return SubjectView(view.subject_id, recipient, view.erased_version)


def _merge(
    view: SubjectView,
    version: int,
    contact: Contact,
    states: Mapping[str, PurposeState],
    *,
    complete: bool,
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
    return Recipient(
        subject_id=current.subject_id,
        version=max(current.version, version),
        contact=contact if newer_contact else current.contact,
        contact_version=version if newer_contact else current.contact_version,
        consents=consents,
    )
