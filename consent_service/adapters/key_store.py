"""Reads and writes of `api_keys`; the caller owns the transaction."""

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository

_K = orm.ApiKey.__table__


@dataclass(frozen=True)
class StoredKey:
    id: str
    name: str
    scopes: tuple[str, ...]
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None


def _stored(row: object) -> StoredKey:
    found = dict(row._mapping)  # type: ignore[attr-defined]
    return StoredKey(**found | {"scopes": tuple(found["scopes"])})


def add_key(registry: SqlRepository, key: StoredKey) -> None:
    values = asdict(key) | {"scopes": list(key.scopes)}
    registry.connection.execute(insert(_K).values(values))


def key(registry: SqlRepository, key_id: str) -> StoredKey | None:
    row = registry.connection.execute(select(_K).where(_K.c.id == key_id)).first()
    return _stored(row) if row else None


def keys(registry: SqlRepository) -> list[StoredKey]:
    rows = registry.connection.execute(select(_K).order_by(_K.c.created_at, _K.c.id))
    return [_stored(row) for row in rows]


def revoke(registry: SqlRepository, key_id: str, now: datetime) -> None:
    """Mark the key revoked; a key revoked earlier keeps the moment it first was."""
    registry.connection.execute(
        update(_K).where(_K.c.id == key_id, _K.c.revoked_at.is_(None)).values(revoked_at=now)
    )


def is_live(registry: SqlRepository, key_id: str) -> bool:
    """One primary-key read: the key exists and is not revoked."""
    query = select(_K.c.id).where(_K.c.id == key_id, _K.c.revoked_at.is_(None))
    return registry.connection.execute(query).first() is not None
