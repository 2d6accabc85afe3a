"""Data-subject requests on the law's clock: what may be asked, when the answer is due, and
what closing one takes.

A request is received on a day (the shop's day, Asia/Bishkek) and due a number of calendar
days later (`CONSENT_REQUEST_DUE_DAYS`, default 7: the Kyrgyz law on personal data gives the
holder a week). Counting is by calendar day, so a request received on 28 February is due in
March whatever the month's length. A refusal must say why: the law asks for a reasoned refusal,
and the person may then complain to the authority. Decision record 0043.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

DEFAULT_DUE_DAYS = 7
MIN_DUE_DAYS = 1
MAX_DUE_DAYS = 90
DUE_SOON_DAYS = 2
"""A request due within this many days (today included) is marked "due soon"."""
MAX_REASON = 2000
MAX_ADDRESS = 320
EARLIEST_RECEIVED = date(2000, 1, 1)
"""A received date before this is a typing mistake, not a request."""


class RequestKind(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    PORTABILITY = "portability"
    OBJECTION = "objection"
    COMPLAINT = "complaint"


class Channel(StrEnum):
    """How a request reached the shop. Staff record the first five; the preference centre
    records its own requests. Requests recorded before this desk carry their source instead
    (`api`, `admin`, `expiry`...)."""

    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    IN_PERSON = "in_person"
    OTHER = "other"
    PREFERENCE_CENTRE = "preference_center"
    """The value the ledger's Source gives the preference centre, so both read alike."""


STAFF_CHANNELS = (Channel.EMAIL, Channel.PHONE, Channel.LETTER, Channel.IN_PERSON, Channel.OTHER)


class Outcome(StrEnum):
    FULFILLED = "fulfilled"
    PARTLY_FULFILLED = "partly_fulfilled"
    REFUSED = "refused"


OPEN = "open"
CLOSED = "closed"


class Urgency(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TIME = "on_time"
    CLOSED = "closed"


def check_due_days(days: int) -> int:
    """The setting's value, or ValueError: outside 1..90 is a mistake, never a policy."""
    if not MIN_DUE_DAYS <= days <= MAX_DUE_DAYS:
        raise ValueError(f"must be between {MIN_DUE_DAYS} and {MAX_DUE_DAYS} days")
    return days


def due_on(received: date, days: int) -> date:
    """The last day on which the answer is in time."""
    return received + timedelta(days=check_due_days(days))


def urgency(due: date, today: date, *, closed: bool) -> Urgency:
    """Overdue once the due day has passed; due soon from `DUE_SOON_DAYS` before it."""
    if closed:
        return Urgency.CLOSED
    if today > due:
        return Urgency.OVERDUE
    if (due - today).days < DUE_SOON_DAYS + 1:
        return Urgency.DUE_SOON
    return Urgency.ON_TIME


def due_soon_until(today: date) -> date:
    """The last due day that still counts as "due soon" today."""
    return today + timedelta(days=DUE_SOON_DAYS)


class InvalidRequest(ValueError):
    """A request or a closing refused; `errors` names each field and why (a code)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class RequestNotFound(LookupError):
    pass


class AlreadyClosed(ValueError):
    """A request is closed once: a second answer would rewrite what the person was told."""


@dataclass(frozen=True)
class Closing:
    outcome: Outcome
    reason: str | None


def storable(text: str) -> bool:
    """Whether the database can keep the text: no NUL, no lone surrogate (a forged form)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_closing(outcome: str, reason: str) -> Closing:
    """The outcome, and the reason kept only for a refusal, where it is required."""
    errors: dict[str, str] = {}
    try:
        chosen = Outcome(outcome)
    except ValueError:
        errors["outcome"] = "unknown"
        chosen = None
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        errors["reason"] = "too_long"
    elif not storable(reason):
        errors["reason"] = "unreadable"
    elif chosen is Outcome.REFUSED and not reason:
        errors["reason"] = "required"
    if errors or chosen is None:
        raise InvalidRequest(errors)
    return Closing(chosen, reason or None)


def check_received(received: date, today: date) -> dict[str, str]:
    if received > today:
        return {"received_on": "future"}
    if received < EARLIEST_RECEIVED:
        return {"received_on": "too_early"}
    return {}
