"""Subjects and their consents: the rows every consent use case reads and writes.

The rows are plain dataclasses, so a service can be run on an in-memory store as well as on
the SQL one (adapters/repository.py), and the write path builds no ORM objects.
"""

import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass
class SubjectRow:
    id: uuid.UUID
    email: str | None
    locale: str
    name: str | None
    external_id: str | None
    version: int
    email_confirmed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    attributes: dict[str, Any] | None = None
    """Decision 0047: a flat map, None when the subject has none."""


@dataclass
class ConsentRow:
    purpose: str
    status: str
    policy_version: str
    source: str
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class SubjectState:
    """A subject as catch-up lists it: erased ones too, with their contact data blanked."""

    id: uuid.UUID
    version: int
    erased: bool
    email: str | None
    locale: str
    name: str | None
    attributes: dict[str, Any] | None = None


class Subjects(Protocol):
    """Live subjects (not erased) and the current status of each of their purposes."""

    def subject_by_id(
        self, subject_id: uuid.UUID, *, for_update: bool = False
    ) -> SubjectRow | None:
        """`for_update` locks the row until the transaction ends: every writer of a subject
        takes this lock first, so its changes and their versions follow one another."""
        ...

    def subject_by_email_key(self, key: str, *, for_update: bool = False) -> SubjectRow | None: ...

    def subjects_by_external_id(self, external_id: str, limit: int) -> list[SubjectRow]:
        """Live subjects whose external id is exactly `external_id`, at most `limit`: the
        shop's own id is not unique in the registry, so a lookup may find several."""
        ...

    def add_subject(self, subject: SubjectRow, email_key: str) -> None: ...

    def set_subject_version(
        self, subject_id: uuid.UUID, version: int, now: datetime, **changes: Any
    ) -> None:
        """The subject's new version and update time, with any changed columns of its row."""
        ...

    def consents_of(self, subject_id: uuid.UUID) -> dict[str, ConsentRow]: ...

    def save_consents(
        self, subject_id: uuid.UUID, rows: list[ConsentRow], existing: set[str]
    ) -> None:
        """Store the rows; `existing` names the purposes the subject held a row for already."""
        ...


class SyncReads(Protocol):
    """What the mailer's catch-up and send-time fence ask of every subject, erased or not."""

    def versions_of(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]: ...

    def purpose_versions_of(
        self, ids: Collection[uuid.UUID], purpose: str
    ) -> dict[uuid.UUID, int]: ...

    def emails_of(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The current address of each of these subjects that has one (not erased)."""
        ...

    def subject_states(
        self,
        bounds: tuple[uuid.UUID, uuid.UUID] | None,
        ids: Collection[uuid.UUID] | None = None,
    ) -> Iterator[SubjectState]:
        """Every subject, optionally within an id range or among ids, in id order."""
        ...

    def consent_states(
        self,
        bounds: tuple[uuid.UUID, uuid.UUID] | None,
        ids: Collection[uuid.UUID] | None = None,
    ) -> Iterator[tuple[uuid.UUID, str, str, int]]:
        """(subject id, purpose, status, version) of every consent row in the range."""
        ...
