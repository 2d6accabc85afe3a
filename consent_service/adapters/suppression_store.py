"""Reads and writes of the suppression list and of the keyed hashes of former addresses;
the caller owns the transaction. Neither table holds an address, only keyed hashes."""

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository

_TABLE = orm.Suppression.__table__
_FORMER = orm.FormerAddress.__table__


def _insert_new(registry: SqlRepository, table: Table, values: dict[str, object]) -> None:
    insert = (
        postgresql.insert if registry.connection.dialect.name == "postgresql" else sqlite.insert
    )
    registry.connection.execute(insert(table).values(values).on_conflict_do_nothing())


def add(registry: SqlRepository, address_hash: bytes, reason: str, now: datetime) -> None:
    """Suppress; suppressing again for the same reason keeps the first date."""
    _insert_new(
        registry, _TABLE, {"address_hash": address_hash, "reason": reason, "created_at": now}
    )


def add_former(
    registry: SqlRepository, subject_id: uuid.UUID, address_hash: bytes, now: datetime
) -> None:
    """Remember that the subject held this address; the same address again keeps one row."""
    values = {"subject_id": subject_id, "address_hash": address_hash, "created_at": now}
    _insert_new(registry, _FORMER, values)


def take_former(registry: SqlRepository, subject_id: uuid.UUID) -> set[bytes]:
    """The hashes of the subject's former addresses, deleted as they are read (erasure)."""
    statement = (
        delete(_FORMER).where(_FORMER.c.subject_id == subject_id).returning(_FORMER.c.address_hash)
    )
    return set(registry.connection.execute(statement).scalars())


def reasons(registry: SqlRepository, hashes: Collection[bytes]) -> set[str]:
    query = select(_TABLE.c.reason).where(_TABLE.c.address_hash.in_(list(hashes)))
    return set(registry.connection.execute(query).scalars())


def remove(registry: SqlRepository, hashes: Collection[bytes], reason: str) -> int:
    statement = delete(_TABLE).where(
        _TABLE.c.address_hash.in_(list(hashes)), _TABLE.c.reason == reason
    )
    return registry.connection.execute(statement).rowcount


def held(
    registry: SqlRepository, hashes: Collection[bytes], reasons: Collection[str]
) -> set[bytes]:
    """Those of `hashes` suppressed for one of `reasons`, looked up a thousand at a time."""
    wanted, found = list(hashes), set()
    for start in range(0, len(wanted), 1000):
        query = select(_TABLE.c.address_hash).where(
            _TABLE.c.address_hash.in_(wanted[start : start + 1000]),
            _TABLE.c.reason.in_(list(reasons)),
        )
        found.update(registry.connection.execute(query).scalars())
    return found
