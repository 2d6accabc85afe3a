"""SQL pieces every store of the mailer writes the same way on PostgreSQL and on SQLite."""

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Uuid, any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

IN_CHUNK = 1000
"""Ids per IN (...) list: far below SQLite's limit of bound parameters per statement."""

CORE = {"synchronize_session": False}
"""For updates of rows no session holds as objects (up to a batch of ledger rows): skip the
ORM's search of its identity map for them."""


def among(dialect: str, column: Any, ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    """`column IN (ids)`, written as `column = ANY(:ids)` on PostgreSQL.

    An IN list of a thousand parameters is a new statement text for every length, which
    psycopg parses afresh each time; one array parameter keeps one statement for any batch.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(Uuid())))
    return column.in_(ids)


def chunks(ids: Sequence[uuid.UUID]) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start : start + IN_CHUNK]


def dialect_insert(dialect: str, table: Any) -> Any:
    """An INSERT that can take ON CONFLICT clauses, on either database."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
