"""The consent state machine and the per-subject version.

    (none) --grant--> pending --confirm--> granted <--withdraw/grant--> withdrawn
                         |                                   ^
                         +------------withdraw / expire------+

A purpose that needs double opt-in starts `pending` until the person proves the address is
theirs; once the address is confirmed, later grants are immediate. A "no" on a form is
recorded as `withdrawn` even when nothing was granted before: the ledger then proves that
the person refused. Every change raises the subject's `version` by one; consumers use it to
ignore stale or repeated messages, so it must never go backwards.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from consent_service.domain.errors import InvalidTransition


class ConsentStatus(StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    PENDING = "pending"


class Source(StrEnum):
    REGISTRATION = "registration"
    ORDER = "order"
    NEWSLETTER_FORM = "newsletter_form"
    SURVEY = "survey"
    PREFERENCE_CENTER = "preference_center"
    UNSUBSCRIBE_LINK = "unsubscribe_link"
    ONE_CLICK = "one_click"
    ESP_WEBHOOK = "esp_webhook"
    IMPORT = "import"
    ADMIN = "admin"
    DOUBLE_OPT_IN = "double_opt_in"
    EXPIRY = "expiry"
    RESUBSCRIBE = "resubscribe"


ALLOWED_TRANSITIONS: frozenset[tuple[ConsentStatus | None, ConsentStatus]] = frozenset(
    {
        (None, ConsentStatus.PENDING),
        (None, ConsentStatus.GRANTED),
        (None, ConsentStatus.WITHDRAWN),
        (ConsentStatus.PENDING, ConsentStatus.GRANTED),
        (ConsentStatus.PENDING, ConsentStatus.WITHDRAWN),
        (ConsentStatus.GRANTED, ConsentStatus.WITHDRAWN),
        (ConsentStatus.WITHDRAWN, ConsentStatus.GRANTED),
        (ConsentStatus.WITHDRAWN, ConsentStatus.PENDING),
    }
)


@dataclass(frozen=True)
class Change:
    """One purpose moving from one status to another, at one subject version."""

    purpose: str
    previous: ConsentStatus | None
    status: ConsentStatus
    version: int


def wanted_status(
    current: ConsentStatus | None, wants: bool, *, needs_confirmation: bool
) -> ConsentStatus | None:
    """The status a person's yes or no leads to, or None when nothing changes."""
    if wants:
        if current in (ConsentStatus.GRANTED, ConsentStatus.PENDING):
            return None
        return ConsentStatus.PENDING if needs_confirmation else ConsentStatus.GRANTED
    if current is ConsentStatus.WITHDRAWN:
        return None
    return ConsentStatus.WITHDRAWN


def is_pending_expired(updated_at: datetime, now: datetime, ttl: timedelta) -> bool:
    """A pending consent not confirmed within its time to live counts as never given."""
    return now - updated_at >= ttl


@dataclass
class SubjectConsents:
    """A subject's current statuses and version: the aggregate every change goes through."""

    version: int = 0
    email_confirmed: bool = False
    statuses: dict[str, ConsentStatus] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)

    def transition(self, purpose: str, status: ConsentStatus) -> Change:
        previous = self.statuses.get(purpose)
        if (previous, status) not in ALLOWED_TRANSITIONS:
            raise InvalidTransition(
                f"Consent for '{purpose}' cannot go from {previous or 'nothing'} to {status}."
            )
        self.version += 1
        self.statuses[purpose] = status
        change = Change(purpose, previous, status, self.version)
        self.changes.append(change)
        return change

    def decide(
        self, purpose: str, wants: bool, *, double_opt_in: bool, address_proven: bool = True
    ) -> Change | None:
        """Apply a person's yes or no for one purpose; None when it changes nothing.

        `address_proven=False` says the request itself proves nothing about the address (a
        public sign-up form anyone can fill in), so a confirmed address does not make the
        grant immediate: it waits for the confirmation link like a first sign-up.
        """
        proven = self.email_confirmed and address_proven
        target = wanted_status(
            self.statuses.get(purpose),
            wants,
            needs_confirmation=double_opt_in and not proven,
        )
        return None if target is None else self.transition(purpose, target)

    def confirm_email(self) -> list[Change]:
        """The person proved the address: every pending purpose becomes granted."""
        self.email_confirmed = True
        pending = [p for p, s in self.statuses.items() if s is ConsentStatus.PENDING]
        return [self.transition(p, ConsentStatus.GRANTED) for p in sorted(pending)]

    def expire(self, purpose: str) -> Change:
        if self.statuses.get(purpose) is not ConsentStatus.PENDING:
            raise InvalidTransition(f"Only a pending consent can expire, not '{purpose}'.")
        return self.transition(purpose, ConsentStatus.WITHDRAWN)

    def bump(self) -> int:
        """A change to the subject itself (rectification) still takes a version of its own."""
        self.version += 1
        return self.version
