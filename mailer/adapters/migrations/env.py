"""Alembic environment: the URL comes from the caller (mailer.adapters.schema)."""

from typing import Any

from alembic import context
from sqlalchemy import pool, text

from mailer.adapters.orm import Base
from mailer.adapters.schema import VERSION_TABLE
from plumbing.db import make_engine

MIGRATION_LOCK = (0x6D61696C, 0x10000)
"""The mailer's advisory-lock class ("mail", as `repository`'s bucket locks) and a key above
every bucket's."""

config = context.config
url = config.get_main_option("sqlalchemy.url")
if url is None:
    raise RuntimeError("no sqlalchemy.url: migrate through mailer.adapters.schema, which sets it")


def _mailer_tables_only(obj: object, name: str | None, type_: str, *_: object) -> bool:
    """In a database shared with the registry, autogenerate must not see the registry's tables."""
    return type_ != "table" or name in Base.metadata.tables


def _configure(**database: Any) -> None:
    """The mailer's tables and version table, on the database that `database` says how to reach."""
    context.configure(
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        include_object=_mailer_tables_only,
        **database,
    )


if context.is_offline_mode():
    _configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Several `mailer work` started at once on a new database would all create the
                # version table; the first migrates, the others wait and find it up to date.
                # (SQLite: BEGIN IMMEDIATE already serialises them.)
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:class_key, :key)"),
                    {"class_key": MIGRATION_LOCK[0], "key": MIGRATION_LOCK[1]},
                )
            context.run_migrations()
    engine.dispose()
