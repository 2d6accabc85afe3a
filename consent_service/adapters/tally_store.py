"""The running consent counts in SQL: upserts on write, sums over a few rows on read.

Each batch adds its deltas to one slot of each key, picked at random: a busy purpose's
count is then several rows, and two transactions granting it at the same moment usually
lock different ones instead of queueing on one row until the first commits. Rows are
upserted in key order (ConsentTally's), so writers never wait on each other in a circle.
Both databases speak `INSERT ... ON CONFLICT DO UPDATE`; SQLAlchemy spells it per dialect.
"""

import random
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from consent_service.adapters import orm
from consent_service.domain.tallies import EVERYONE, ConsentTally

SLOTS = 8
_COUNTS, _DAYS = orm.ConsentCount.__table__, orm.ConsentDay.__table__


def _upsert(connection: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str]):
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(rows)
    added = [c.name for c in table.columns if c.name not in keys]
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: table.c[name] + statement.excluded[name] for name in added},
    )
    connection.execute(statement)


class TallyStore:
    """The `Tallies` and `TallyReads` ports on the caller's connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add_to_tallies(self, tally: ConsentTally) -> None:
        slot = random.randrange(SLOTS)
        statuses = tally.status_deltas()
        if statuses:
            rows = [
                {"purpose": purpose, "status": status, "slot": slot, "people": n}
                for (purpose, status), n in statuses.items()
            ]
            _upsert(self.connection, _COUNTS, rows, ["purpose", "status", "slot"])
        days = tally.day_deltas()
        if days:
            rows = [
                {
                    "day": day,
                    "purpose": purpose,
                    "slot": slot,
                    "grants": delta.grants,
                    "withdrawals": delta.withdrawals,
                }
                for (day, purpose), delta in days.items()
            ]
            _upsert(self.connection, _DAYS, rows, ["day", "purpose", "slot"])

    def people_per_purpose(self) -> dict[str, dict[str, int]]:
        query = select(_COUNTS.c.purpose, _COUNTS.c.status, func.sum(_COUNTS.c.people)).group_by(
            _COUNTS.c.purpose, _COUNTS.c.status
        )
        found: dict[str, dict[str, int]] = {}
        for purpose, status, people in self.connection.execute(query):
            if (purpose, status) != EVERYONE:
                found.setdefault(purpose, {})[status] = int(people)
        return found

    def people(self) -> int:
        """Every person not erased."""
        purpose, status = EVERYONE
        query = select(func.coalesce(func.sum(_COUNTS.c.people), 0)).where(
            _COUNTS.c.purpose == purpose, _COUNTS.c.status == status
        )
        return int(self.connection.execute(query).scalar_one())

    def changes_per_day(self, first_day: date) -> dict[date, tuple[int, int]]:
        """By the primary key's range on `day`."""
        query = (
            select(_DAYS.c.day, func.sum(_DAYS.c.grants), func.sum(_DAYS.c.withdrawals))
            .where(_DAYS.c.day >= first_day)
            .group_by(_DAYS.c.day)
        )
        return {day: (int(g), int(w)) for day, g, w in self.connection.execute(query)}
