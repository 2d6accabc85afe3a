"""The consent report's rows (services/reports.py's port), read with a server-side cursor.

The report is read in the snapshot transaction `snapshot_options` asks for: on PostgreSQL
REPEATABLE READ and READ ONLY, so every row is as of the report's first statement however long
the download takes, and a write made meanwhile is in none of it; on SQLite a deferred
transaction, which in WAL mode reads one snapshot too without taking the write lock every
other transaction takes (plumbing/db.py). Rows come `BATCH` at a time (`yield_per`: a named
cursor on PostgreSQL), so the process holds one batch, never the report.
"""

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Select, and_, func, select

from consent_service.adapters import orm
from consent_service.domain.reports import ReportFilters, ReportKind
from consent_service.services.reports import Row
from plumbing.db import READ_SNAPSHOT

BATCH = 2000
_C, _L = orm.Consent.__table__, orm.LedgerEntry.__table__

_CURRENT = (
    select(
        _C.c.subject_id,
        _C.c.purpose,
        _C.c.status,
        _C.c.updated_at,
        _C.c.source,
        _C.c.policy_version,
        _L.c.actor,
        _C.c.version,
        _L.c.hash,
    )
    # a consent's version is the seq of the ledger entry that set it (services/changes.py)
    .select_from(
        _C.outerjoin(_L, and_(_L.c.subject_id == _C.c.subject_id, _L.c.seq == _C.c.version))
    )
    .order_by(_C.c.subject_id, _C.c.purpose)
)
_LEDGER = select(
    _L.c.id,
    _L.c.subject_id,
    _L.c.seq,
    _L.c.kind,
    _L.c.purpose,
    _L.c.previous_status,
    _L.c.status,
    _L.c.recorded_at,
    _L.c.source,
    _L.c.policy_version,
    _L.c.actor,
    _L.c.prev_hash,
    _L.c.hash,
).order_by(_L.c.id)


def snapshot_options(dialect: str) -> dict[str, Any]:
    """The execution options of a read-only transaction on one snapshot."""
    if dialect == "postgresql":
        return {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    return {READ_SNAPSHOT: True}


def report_query(filters: ReportFilters) -> Select[Any]:
    table = _C if filters.kind is ReportKind.CURRENT else _L
    when = _C.c.updated_at if filters.kind is ReportKind.CURRENT else _L.c.recorded_at
    query = _CURRENT if filters.kind is ReportKind.CURRENT else _LEDGER
    for column, wanted in (
        ("purpose", filters.purpose),
        ("status", filters.status),
        ("source", filters.source),
        ("policy_version", filters.policy_version),
    ):
        if wanted is not None:
            query = query.where(table.c[column] == wanted)
    if filters.since is not None:
        query = query.where(when >= filters.since)
    if filters.until is not None:
        query = query.where(when < filters.until)
    return query


class SqlReportReads:
    """The port over a connection in a snapshot transaction; the caller owns it."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def batches(self, filters: ReportFilters) -> Iterator[Sequence[Row]]:
        result = self._connection.execute(report_query(filters).execution_options(yield_per=BATCH))
        with result:
            yield from result.partitions()

    def count(self, filters: ReportFilters) -> int:
        """How many rows `batches` yields for the same filters in the same snapshot."""
        rows = report_query(filters).order_by(None).subquery()
        return int(self._connection.execute(select(func.count()).select_from(rows)).scalar_one())
