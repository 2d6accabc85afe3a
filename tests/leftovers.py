"""Searching everything the service keeps for a piece of text: every table, every file.

Erasure must leave an address nowhere (SPEC guarantee 7). These helpers do not know the
schema: they list the tables a database has and read every column of every row as text
(PostgreSQL: the whole row cast to text; SQLite: each value, bytes included), so a table
added later is searched too.
"""

import fnmatch
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, create_engine, inspect, text

from consent_service.config import database_url as driver_url


def tables_holding(url: str, needles: Iterable[str]) -> dict[str, list[str]]:
    """{table: [needles found in it]} for every table of the database at `url`."""
    wanted = [needle.lower() for needle in needles]
    engine = create_engine(driver_url(url))
    found: dict[str, list[str]] = {}
    try:
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                for row_text in _rows_as_text(connection, table):
                    hits = [needle for needle in wanted if needle in row_text]
                    if hits:
                        found.setdefault(table, []).extend(hits)
    finally:
        engine.dispose()
    return found


def _rows_as_text(connection: Connection, table: str) -> Iterable[str]:
    if connection.dialect.name == "postgresql":
        query = text(f'SELECT lower(t::text) FROM "{table}" AS t')
        return (row[0] for row in connection.execute(query))
    rows = connection.execute(text(f'SELECT * FROM "{table}"'))
    return (" ".join(_as_text(value) for value in row).lower() for row in rows)


def _as_text(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")
    return str(value)


def files_holding(root: Path, needles: Iterable[str], skip: str = "outbox/*.eml") -> list[str]:
    """Files under `root` whose bytes hold any needle, in any case; SQLite files included,
    free pages and write-ahead log too. `skip` is a glob of paths relative to `root` (its
    `*` also matches across folders)."""
    wanted = [needle.lower().encode() for needle in needles]
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if fnmatch.fnmatch(path.relative_to(root).as_posix(), skip):
            continue
        try:
            content = path.read_bytes().lower()
        except FileNotFoundError:  # a broker message taken while we looked
            continue
        if any(needle in content for needle in wanted):
            found.append(str(path.relative_to(root)))
    return found


def sqlite_files(root: Path) -> list[Path]:
    """The SQLite databases under `root` (by their header), the broker's included."""
    return [
        path
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.read_bytes()[:16] == b"SQLite format 3\x00"
    ]
