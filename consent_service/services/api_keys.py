"""API keys: created once, shown once, stored only as a hash.

A key reads `ck_<id>_<secret>`. The id finds the row without scanning; the secret has 256
bits of entropy, so a plain SHA-256 of it is enough (a slow password hash would only slow
every request).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from consent_service.adapters.repository import Registry

SCOPES = (
    "consents:write",
    "subjects:read",
    "subjects:write",
    "campaigns:read",
    "campaigns:write",
    "admin",
)


@dataclass(frozen=True)
class Client:
    """An authenticated caller: its key id is the actor recorded in the ledger."""

    key_id: str
    name: str
    scopes: frozenset[str]

    def may(self, scope: str) -> bool:
        return scope in self.scopes


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(registry: Registry, name: str, scopes: list[str], now: datetime) -> str:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(SCOPES)}.")
    if not scopes:
        raise ValueError("Give at least one --scope.")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    registry.add_api_key(
        {
            "id": key_id,
            "name": name,
            "scopes": sorted(set(scopes)),
            "secret_hash": _digest(secret),
            "created_at": now,
            "revoked_at": None,
        }
    )
    return f"ck_{key_id}_{secret}"


def authenticate(registry: Registry, presented: str) -> Client | None:
    prefix, _, rest = presented.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != "ck" or not key_id or not secret:
        return None
    row = registry.api_key(key_id)
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_hash, _digest(secret)):
        return None
    return Client(row.id, row.name, frozenset(row.scopes))
