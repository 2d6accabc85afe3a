"""The preference centre's use cases: what it shows, saving it, the download, the deletion.

The person reaches the page through a signed link that only their emails carry, so the
ledger's actor is `subject` and the source `preference_center`. Saving applies only what the
person changed on the page: a box ticked that was shown unticked grants, one unticked that
was shown ticked (granted or pending) withdraws, one left as shown changes nothing. So a
page left open in a tab cannot undo an unsubscribe made since, a second click on "save"
changes nothing more, and a box left ticked on a pending purpose does not confirm it (a
pre-ticked box is no affirmative act; the confirmation link is).

Grants of email purposes and double opt-in: the preference link was sent to the person's
address (the mailer mints it for campaign emails only), so using it proves control of that
mailbox just as the confirmation link does; another email to the same mailbox would prove
nothing new. A grant from this page is therefore immediate, and the address is marked
confirmed as `confirm_email` marks it. One exception: if the address was
rectified after the link was issued, the link proves only the old mailbox, and the grant
follows `DOUBLE_OPT_IN` like any other (pending, with a confirmation email to the new
address). Pending purposes stay pending either way: marking the address does not grant them.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consent_service.domain.consent import ConsentStatus, Source
from consent_service.domain.errors import DomainError, SubjectNotFound
from consent_service.domain.locales import is_supported
from consent_service.domain.purposes import CONSENT_PURPOSES, EMAIL_PURPOSES, consent_purpose
from consent_service.domain.rights_requests import DEFAULT_DUE_DAYS, RequestKind
from consent_service.services.changes import ConfirmLinks
from consent_service.services.consents import change_context, set_consent
from consent_service.services.erasure import Erased, Erasure, erase
from consent_service.services.export import Exporter
from consent_service.services.links import LINK_ACTOR
from consent_service.services.ports import Repository
from consent_service.services.ports.subjects import SubjectRow
from consent_service.services.rights_requests import record_fulfilled
from consent_service.services.subject_changes import Rectification, email_changed_since, rectify

SOURCE = Source.PREFERENCE_CENTER.value
_SHOWN_TICKED = (ConsentStatus.GRANTED.value, ConsentStatus.PENDING.value)


@dataclass(frozen=True)
class Preferences:
    """What the page shows: each consent purpose's status (None: never asked), the locale."""

    locale: str
    statuses: dict[str, str | None]

    def ticked(self, purpose: str) -> bool:
        return self.statuses.get(purpose) in _SHOWN_TICKED


@dataclass(frozen=True)
class Choices:
    """The submitted page: the purposes ticked, the locale chosen (None: keep it), and the
    purposes the page showed ticked (None when the form did not say: the current state)."""

    ticked: frozenset[str]
    locale: str | None = None
    shown: frozenset[str] | None = None


@dataclass(frozen=True)
class Saved:
    purposes: list[str]
    locale_changed: bool


def _subject(registry: Repository, subject_id: uuid.UUID, *, for_update: bool) -> SubjectRow:
    subject = registry.subject_by_id(subject_id, for_update=for_update)
    if subject is None:
        raise SubjectNotFound(f"No subject {subject_id}.")
    return subject


def _preferences(registry: Repository, subject: SubjectRow) -> Preferences:
    consents = registry.consents_of(subject.id)
    statuses = {p: (consents[p].status if p in consents else None) for p in CONSENT_PURPOSES}
    return Preferences(subject.locale, statuses)


def preferences(registry: Repository, subject_id: uuid.UUID) -> Preferences:
    """The page's content; SubjectNotFound for an unknown or erased subject."""
    return _preferences(registry, _subject(registry, subject_id, for_update=False))


def _check(choices: Choices) -> None:
    for purpose in choices.ticked | (choices.shown or frozenset()):
        consent_purpose(purpose)
    if choices.locale is not None and not is_supported(choices.locale):
        raise DomainError(f"Unsupported locale {choices.locale!r}.", field="locale")


def _changed(choices: Choices, current: Preferences) -> list[str]:
    """The purposes the person switched on the page that are not already as they want."""
    shown = (
        choices.shown
        if choices.shown is not None
        else frozenset(p for p in CONSENT_PURPOSES if current.ticked(p))
    )
    return [
        p
        for p in sorted(CONSENT_PURPOSES)
        if (p in choices.ticked) != (p in shown) and (p in choices.ticked) != current.ticked(p)
    ]


def _mark_address_proven(registry: Repository, subject_id: uuid.UUID, now: datetime) -> None:
    subject = _subject(registry, subject_id, for_update=True)
    if subject.email_confirmed_at is None:
        registry.set_subject_version(subject.id, subject.version, now, email_confirmed_at=now)


def save(
    registry: Repository,
    subject_id: uuid.UUID,
    choices: Choices,
    *,
    issued_at: datetime,
    now: datetime,
    evidence: dict[str, str],
    double_opt_in: frozenset[str],
    links: ConfirmLinks,
) -> Saved:
    """Apply the page's changes; DomainError (nothing written) for a choice it cannot take.

    `issued_at` is when the link was minted: the proof of the mailbox dates from then. The
    locale is stored first, so the consent messages that follow already carry it.
    """
    _check(choices)
    current = _preferences(registry, _subject(registry, subject_id, for_update=True))
    wanted = {} if choices.locale is None else {"locale": choices.locale}
    rectification = Rectification(SOURCE, LINK_ACTOR, now, evidence)
    locale_changed = bool(rectify(registry, subject_id, wanted, rectification))
    toggled = _changed(choices, current)
    if not toggled:
        return Saved([], locale_changed)
    grants_email = any(p in EMAIL_PURPOSES and p in choices.ticked for p in toggled)
    if grants_email and not email_changed_since(registry, subject_id, issued_at):
        _mark_address_proven(registry, subject_id, now)
    context = change_context(registry, source=SOURCE, actor=LINK_ACTOR, now=now, evidence=evidence)
    for purpose in toggled:
        status = ConsentStatus.GRANTED if purpose in choices.ticked else ConsentStatus.WITHDRAWN
        set_consent(registry, subject_id, purpose, status, context, double_opt_in, links=links)
    return Saved(toggled, locale_changed)


def erase_on_request(
    registry: Repository,
    subject_id: uuid.UUID,
    now: datetime,
    secret_key: str,
    due_days: int = DEFAULT_DUE_DAYS,
) -> Erased:
    """The person's own "delete my data": erased at once, in the caller's transaction, and
    recorded as an erasure request fulfilled the moment it was made (erasure does that).

    The subject row is locked first, so a second click waits and then finds nobody to erase
    (SubjectNotFound), as any later use of the link does.
    """
    context = Erasure(SOURCE, LINK_ACTOR, now, due_days=due_days)
    return erase(registry, subject_id, context, secret_key)


def record_download(
    registry: Repository, subject_id: uuid.UUID, now: datetime, due_days: int
) -> None:
    """The person's own download of their data, as an access request fulfilled at once, so
    the desk's list shows every request however it was answered."""
    record_fulfilled(registry.rights, subject_id, RequestKind.ACCESS, now, due_days)


def export(exporter: Exporter, subject_id: uuid.UUID) -> dict[str, Any]:
    """Everything held about the person, the registry's part and the mailer's: the same
    export as `GET /v1/subjects/{id}/export` gives (services/export.py).

    SubjectNotFound for an unknown or erased subject; MailerPartUnavailable when the mailer
    does not answer, so the page never hands out a download without what was sent.
    """
    return exporter.export(subject_id)
