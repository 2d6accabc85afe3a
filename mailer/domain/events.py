"""What the mailer learns about a subject, whether from a message or from the registry.

Every fact carries the subject's `version` after it: the registry raises it by one on every
change, so versions order the facts even when the broker does not.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Contact:
    """How to reach the person; the registry's snapshot may lack any of it."""

    email: str | None
    locale: str | None
    name: str | None
    attributes: Mapping[str, Any] | None = None
    """The subject's attributes (decision 0047); None when the fact does not say, so the
    copy held is kept."""


@dataclass(frozen=True)
class PurposeState:
    """The status of one purpose and the subject version of the change that set it."""

    status: str
    version: int


@dataclass(frozen=True)
class ConsentChanged:
    """One purpose changed status; the contact data is the subject's at that version."""

    subject_id: uuid.UUID
    version: int
    contact: Contact
    purpose: str
    status: str


@dataclass(frozen=True)
class ContactUpdated:
    """Contact data rectified: the whole new record.

    `suppressed` is whether the address is on the registry's suppression list, or None when
    the message does not say (older messages, rectifications).
    """

    subject_id: uuid.UUID
    version: int
    contact: Contact
    suppressed: bool | None = None


@dataclass(frozen=True)
class Erased:
    """Forget the person."""

    subject_id: uuid.UUID
    version: int


@dataclass(frozen=True)
class Snapshot:
    """The registry's whole record of a subject at `version`, fetched by catch-up.

    An erased subject carries nothing but its id and version. `suppressed` is whether its
    address is on the suppression list as the registry answered (false from a registry that
    predates the list).
    """

    subject_id: uuid.UUID
    version: int
    erased: bool = False
    contact: Contact = Contact(None, None, None)
    consents: Mapping[str, PurposeState] = field(default_factory=dict)
    suppressed: bool = False


Fact = ConsentChanged | ContactUpdated | Erased | Snapshot
