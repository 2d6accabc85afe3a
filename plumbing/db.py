"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Executable, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from plumbing.files import private_directory, private_file

READ_SNAPSHOT = "consent_read_snapshot"
"""An execution option: the transaction only reads, maybe for long (a streamed report), so on
SQLite it begins DEFERRED and takes no write lock (`_tune_sqlite`)."""


def _tune_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers, a busy timeout, and write transactions taken up front.

    pysqlite begins transactions lazily, so two writers that both read first could deadlock on
    the lock upgrade; `BEGIN IMMEDIATE` takes the write lock at the start instead.
    `secure_delete` zeroes deleted content, so an erased address is not left in free space.
    A connection given the `READ_SNAPSHOT` option begins DEFERRED instead: its first read
    fixes a WAL snapshot it keeps to the end, and writers go on meanwhile.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        reads = connection.get_execution_options().get(READ_SNAPSHOT, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if reads else "BEGIN IMMEDIATE")


def make_engine(url: str, **options: Any) -> Engine:
    """An engine that never writes the statement's parameters into its errors: they hold
    names and addresses, and an error message ends up in a log that outlives an erasure."""
    options.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # SQLite gives its -wal and -shm files the database file's mode.
            path = Path(parsed.database)
            private_file(private_directory(path.parent) / path.name)
        engine = create_engine(url, **options)
        _tune_sqlite(engine)
        return engine
    options.setdefault("pool_pre_ping", True)
    if "poolclass" not in options:
        options.setdefault("pool_size", 10)
    return create_engine(url, **options)


def scrub_sqlite(engine: Engine) -> bool:
    """After an erasure: fold the write-ahead log into the database file and truncate it.

    With `secure_delete` the database file keeps no deleted content, but the log still holds
    earlier images of the pages that held it until it is checkpointed and truncated. Waits for
    readers up to the busy timeout; False if it could not finish (the next erasure or the
    automatic checkpoints get there later). Nothing to do on PostgreSQL, whose files are not
    under the instance directory and whose dead rows autovacuum reclaims.
    """
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None  # only an invalidated pooled connection has none
        busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def insert_on_conflict(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can take ON CONFLICT clauses, on PostgreSQL or on SQLite."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def changed_rows(session: Session, statement: Executable) -> int:
    """Run an INSERT, UPDATE or DELETE; the number of rows it changed.

    `Session.execute` is typed to return a `Result`, which has no row count; for these
    statements it is always the driver's `CursorResult`, which does.
    """
    return cast(CursorResult[Any], session.execute(statement)).rowcount
