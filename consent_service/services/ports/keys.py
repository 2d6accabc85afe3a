"""API keys, stored only as the hash of their secret (services/api_keys.py)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class StoredKey:
    id: str
    name: str
    scopes: tuple[str, ...]
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeys(Protocol):
    def add_key(self, key: StoredKey) -> None: ...

    def key(self, key_id: str) -> StoredKey | None: ...

    def all(self) -> list[StoredKey]:
        """Every key, revoked ones too, oldest first."""
        ...

    def revoke(self, key_id: str, now: datetime) -> None:
        """Mark the key revoked; a key revoked earlier keeps the moment it first was."""
        ...

    def is_live(self, key_id: str) -> bool: ...
