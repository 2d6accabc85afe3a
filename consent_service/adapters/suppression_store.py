"""Reads and writes of the suppression list; the caller owns the transaction."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from consent_service.adapters import orm
from consent_service.adapters.repository import Registry

_TABLE = orm.Suppression.__table__


def add(registry: Registry, address_hash: bytes, reason: str, now: datetime) -> None:
    """Suppress; suppressing again for the same reason keeps the first date."""
    values = {"address_hash": address_hash, "reason": reason, "created_at": now}
    insert = (
        postgresql.insert if registry.connection.dialect.name == "postgresql" else sqlite.insert
    )
    registry.connection.execute(insert(_TABLE).values(values).on_conflict_do_nothing())


def reasons(registry: Registry, hashes: Collection[bytes]) -> set[str]:
    query = select(_TABLE.c.reason).where(_TABLE.c.address_hash.in_(list(hashes)))
    return set(registry.connection.execute(query).scalars())


def remove(registry: Registry, hashes: Collection[bytes], reason: str) -> int:
    statement = delete(_TABLE).where(
        _TABLE.c.address_hash.in_(list(hashes)), _TABLE.c.reason == reason
    )
    return registry.connection.execute(statement).rowcount


def held(registry: Registry, hashes: Collection[bytes], reasons: Collection[str]) -> set[bytes]:
    """Those of `hashes` suppressed for one of `reasons`, looked up a thousand at a time."""
    wanted, found = list(hashes), set()
    for start in range(0, len(wanted), 1000):
        query = select(_TABLE.c.address_hash).where(
            _TABLE.c.address_hash.in_(wanted[start : start + 1000]),
            _TABLE.c.reason.in_(list(reasons)),
        )
        found.update(registry.connection.execute(query).scalars())
    return found
