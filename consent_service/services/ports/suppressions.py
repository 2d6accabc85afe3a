"""The suppression list and the former addresses kept for it: keyed hashes only, never an
address (domain/suppression.py)."""

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Protocol


class Suppressions(Protocol):
    def add(self, address_hash: bytes, reason: str, now: datetime) -> None:
        """Suppress; suppressing again for the same reason keeps the first date."""
        ...

    def add_former(self, subject_id: uuid.UUID, address_hash: bytes, now: datetime) -> None:
        """Remember that the subject held this address; the same address again keeps one."""
        ...

    def take_former(self, subject_id: uuid.UUID) -> set[bytes]:
        """The hashes of the subject's former addresses, forgotten as they are read."""
        ...

    def reasons(self, hashes: Collection[bytes]) -> set[str]: ...

    def remove(self, hashes: Collection[bytes], reason: str) -> int: ...

    def held(self, hashes: Collection[bytes], reasons: Collection[str]) -> set[bytes]:
        """Those of `hashes` suppressed for one of `reasons`."""
        ...

    def counts(self) -> dict[str, int]:
        """How many entries the list holds per reason (reasons without any left out)."""
        ...

    def entries(self, hashes: Collection[bytes]) -> dict[str, datetime]:
        """The reasons any of `hashes` is suppressed for, each with its earliest date."""
        ...
