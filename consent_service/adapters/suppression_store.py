"""Reads and writes of the suppression list and of the keyed hashes of former addresses;
the caller owns the transaction. Neither table holds an address, only keyed hashes."""

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection, Table, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from consent_service.adapters import orm

_TABLE = orm.Suppression.__table__
_FORMER = orm.FormerAddress.__table__


class SuppressionStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _insert_new(self, table: Table, values: dict[str, object]) -> None:
        dialect = self.connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.connection.execute(insert(table).values(values).on_conflict_do_nothing())

    def add(self, address_hash: bytes, reason: str, now: datetime) -> None:
        self._insert_new(
            _TABLE, {"address_hash": address_hash, "reason": reason, "created_at": now}
        )

    def add_former(self, subject_id: uuid.UUID, address_hash: bytes, now: datetime) -> None:
        values = {"subject_id": subject_id, "address_hash": address_hash, "created_at": now}
        self._insert_new(_FORMER, values)

    def take_former(self, subject_id: uuid.UUID) -> set[bytes]:
        statement = (
            delete(_FORMER)
            .where(_FORMER.c.subject_id == subject_id)
            .returning(_FORMER.c.address_hash)
        )
        return set(self.connection.execute(statement).scalars())

    def reasons(self, hashes: Collection[bytes]) -> set[str]:
        query = select(_TABLE.c.reason).where(_TABLE.c.address_hash.in_(list(hashes)))
        return set(self.connection.execute(query).scalars())

    def remove(self, hashes: Collection[bytes], reason: str) -> int:
        statement = delete(_TABLE).where(
            _TABLE.c.address_hash.in_(list(hashes)), _TABLE.c.reason == reason
        )
        return self.connection.execute(statement).rowcount

    def held(self, hashes: Collection[bytes], reasons: Collection[str]) -> set[bytes]:
        """Looked up a thousand at a time."""
        wanted, found = list(hashes), set[bytes]()
        for start in range(0, len(wanted), 1000):
            query = select(_TABLE.c.address_hash).where(
                _TABLE.c.address_hash.in_(wanted[start : start + 1000]),
                _TABLE.c.reason.in_(list(reasons)),
            )
            found.update(self.connection.execute(query).scalars())
        return found

    def counts(self) -> dict[str, int]:
        """Read from the index on `reason` (migration 0015), never from the people."""
        query = select(_TABLE.c.reason, func.count()).group_by(_TABLE.c.reason)
        return {row[0]: row[1] for row in self.connection.execute(query)}

    def entries(self, hashes: Collection[bytes]) -> dict[str, datetime]:
        query = (
            select(_TABLE.c.reason, func.min(_TABLE.c.created_at))
            .where(_TABLE.c.address_hash.in_(list(hashes)))
            .group_by(_TABLE.c.reason)
        )
        return {row[0]: row[1] for row in self.connection.execute(query)}
