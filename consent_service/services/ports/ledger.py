"""The consent ledger: append-only entries, hash-chained per subject (domain/ledger.py).

Only `services/ledger_writer.py` appends; the others read it back as `StoredEntry`.
"""

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

from consent_service.domain.ledger import Checkpoint, LedgerRecord, StoredEntry, Verification

LedgerRow = tuple[LedgerRecord, str, dict[str, str] | None, str]
"""An entry to append: (record, its hash, the evidence, the nonce its digest was made with)."""


class Ledger(Protocol):
    def ledger_hash(self, subject_id: uuid.UUID, seq: int) -> str | None:
        """The hash of the subject's entry `seq`, which the next entry chains to."""
        ...

    def append_ledger(self, entries: list[LedgerRow]) -> None:
        """Entries in chain order, appended in one statement."""
        ...

    def history(self, subject_id: uuid.UUID) -> list[StoredEntry]:
        """The subject's entries, oldest first."""
        ...


class LedgerAudit(Protocol):
    """The whole ledger in order, and the sealed checkpoints over it."""

    def ledger_entries(
        self, after_id: int = 0, up_to_id: int | None = None
    ) -> Iterator[StoredEntry]: ...

    def last_entry_id_before(self, moment: datetime) -> int: ...

    def checkpoints(self) -> list[Checkpoint]: ...

    def add_checkpoint(self, values: dict[str, Any]) -> None:
        """A new checkpoint: the fields of `Checkpoint` but its id."""
        ...

    def subject_versions(self) -> Iterator[tuple[str, int]]:
        """Every subject's id and version, erased ones too: where each chain must end."""
        ...

    def last_checkpoint(self) -> Checkpoint | None: ...

    def add_verification(self, verification: Verification) -> None: ...

    def last_verification(self) -> Verification | None:
        """The most recently recorded verification."""
        ...
