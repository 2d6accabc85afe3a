"""A consent import's reads and writes, one statement per table for a whole batch
(services/importing.py): an import of a hundred thousand rows cannot afford the few
statements the normal write path spends on every change."""

import uuid
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Protocol

from consent_service.services.ports.subjects import ConsentRow, SubjectRow


class ImportBatch(Protocol):
    def policies(self) -> list[tuple[str, datetime]]:
        """(version, effective at) of every published policy."""
        ...

    def suppressions(self, hashes: Collection[bytes]) -> dict[bytes, set[str]]:
        """The reasons each of these address hashes is suppressed for (absent: not at all)."""
        ...

    def subjects_for_update(self, keys: Collection[str]) -> dict[str, SubjectRow]:
        """The live subjects holding these address keys, locked in one order for every
        importer, so two imports cannot deadlock."""
        ...

    def consents_of(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, dict[str, ConsentRow]]: ...

    def ledger_heads(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The hash of each subject's newest entry (the one at its version)."""
        ...

    def add_subjects(self, subjects: Iterable[tuple[SubjectRow, str]]) -> None:
        """New subjects with their address keys."""
        ...

    def set_versions(self, subjects: Iterable[SubjectRow]) -> None: ...

    def save_consents(
        self,
        new: Iterable[tuple[uuid.UUID, ConsentRow]],
        changed: Iterable[tuple[uuid.UUID, ConsentRow]],
    ) -> None:
        """Purposes a subject did not hold yet, and those it did."""
        ...
