"""What leaves the mailer: messages ready for an email backend, and what became of them.

The campaign run decides who gets a batch; composition turns the run's templates into
`Outgoing` groups (one content, many envelopes); a backend hands a group to the email
service and answers one `Outcome` per envelope. Nothing here knows SendGrid, SMTP or files.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

OutcomeKind = Literal["sent", "failed", "unknown"]
"""`unknown`: the backend may or may not have taken it (a timeout, a crash); never resent."""


@dataclass(frozen=True)
class Content:
    """One rendered message; may hold placeholders that each envelope's substitutions fill."""

    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Envelope:
    """One recipient of a group: address, placeholder values, headers, and opaque ids.

    `custom_args` hold only ids (campaign, run, subject), never contact data: they come back
    in the email service's event webhooks and logs.
    """

    subject_id: uuid.UUID
    address: str
    substitutions: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    custom_args: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outgoing:
    """One content for many envelopes: one request to a backend that supports it."""

    content: Content
    envelopes: Sequence[Envelope]
    category: str = "campaign"


@dataclass(frozen=True)
class Outcome:
    subject_id: uuid.UUID
    kind: OutcomeKind
    reason: str | None = None


class EmailBackend(Protocol):
    """Delivers groups; retries what is worth retrying itself, within a bound.

    `send` never raises for a delivery problem: it answers an outcome for every envelope, in
    order (failed with the reason for a refusal, unknown where the outcome cannot be known).
    """

    max_envelopes: int
    """How many envelopes one call takes at most (SendGrid: 1000 personalizations)."""

    def send(self, outgoing: Outgoing) -> list[Outcome]: ...


@dataclass(frozen=True)
class Person:
    """A recipient as the run knows it at send time, before composition."""

    subject_id: uuid.UUID
    address: str
    locale: str | None
    name: str | None
