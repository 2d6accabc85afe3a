"""API keys: created once, shown once, stored only as a hash; listed and revoked by admins.

A key reads `ck_<id>_<secret>`. The id finds the row without scanning; the secret has 256
bits of entropy, so a plain SHA-256 of it is enough (a slow password hash would only slow
every request). `ck_<id>_` is the key's prefix: not secret, it lets a person recognise a key
in a listing. A revoked key is refused from the next request on, in every process
(docs/decisions/0020).
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from consent_service.domain.errors import DomainError
from consent_service.services.ports import Repository
from consent_service.services.ports.keys import StoredKey

SCOPES = (
    "consents:write",
    "subjects:read",
    "subjects:write",
    "campaigns:read",
    "campaigns:write",
    "campaigns:send",
    "sync:read",
    "admin",
)
KEY_ID = re.compile(r"[0-9a-f]{12}")


class KeyNotFound(DomainError):
    pass


@dataclass(frozen=True)
class Client:
    """An authenticated caller: its key id is the actor recorded in the ledger."""

    key_id: str
    name: str
    scopes: frozenset[str]

    def may(self, scope: str) -> bool:
        return scope in self.scopes


@dataclass(frozen=True)
class KeyListing:
    """What an admin may see of a key: never its secret or hash."""

    id: str
    name: str
    scopes: tuple[str, ...]
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def prefix_of(key_id: str) -> str:
    return f"ck_{key_id}_"


def create_key(registry: Repository, name: str, scopes: list[str], now: datetime) -> str:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(SCOPES)}.")
    if not scopes:
        raise ValueError("Give at least one --scope.")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    stored = StoredKey(key_id, name, tuple(sorted(set(scopes))), _digest(secret), now, None)
    registry.api_keys.add_key(stored)
    return f"{prefix_of(key_id)}{secret}"


def authenticate(registry: Repository, presented: str) -> Client | None:
    prefix, _, rest = presented.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != "ck" or not KEY_ID.fullmatch(key_id) or not secret:
        return None
    row = registry.api_keys.key(key_id)
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_hash, _digest(secret)):
        return None
    return Client(row.id, row.name, frozenset(row.scopes))


def is_live(registry: Repository, key_id: str) -> bool:
    """Whether a key verified earlier is still valid: the cheap read made on every request."""
    return registry.api_keys.is_live(key_id)


def _listing(row: StoredKey) -> KeyListing:
    return KeyListing(
        row.id, row.name, row.scopes, prefix_of(row.id), row.created_at, row.revoked_at
    )


def list_keys(registry: Repository) -> list[KeyListing]:
    """Every key, revoked ones too, oldest first."""
    return [_listing(row) for row in registry.api_keys.all()]


def revoke_key(registry: Repository, key_id: str, now: datetime) -> KeyListing:
    """Revoke a key (again is no error: it keeps its first revocation time).

    Every process checks revocation on every request, so the key is refused everywhere as soon
    as this transaction commits.
    """
    row = registry.api_keys.key(key_id) if KEY_ID.fullmatch(key_id) else None
    if row is None:
        raise KeyNotFound(f"No API key {key_id!r}.")
    registry.api_keys.revoke(key_id, now)
    return _listing(registry.api_keys.key(key_id) or row)
