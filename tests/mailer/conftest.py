"""Fixtures of the mailer's tests: its own database on SQLite and on PostgreSQL.

The mailer gets a PostgreSQL database of its own, created fresh for the run and dropped
afterwards, as in production where it never shares tables with the registry. Locally a
missing server skips the PostgreSQL half; with CI=true it fails instead.
"""

import shutil
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from mailer.adapters import schema
from mailer.adapters.repository import MailerTransaction, transaction
from mailer.config import database_url as normalize_url
from plumbing.db import make_engine, session_factory
from tests.databases import fresh_postgres
from tests.fake_sendgrid import fake_sendgrid  # noqa: F401 - a fixture of the run tests

VIEW_TABLES = ("recipient_consents", "recipients", "erased_subjects", "processed_messages")
RUN_TABLES = (
    "mailer_deliveries",
    "mailer_batches",
    "mailer_runs",
    "mailer_campaigns",
    "mailer_confirmations",
)
MAILER_TABLES = VIEW_TABLES + RUN_TABLES
"""Every table of the mailer, children before parents."""


@pytest.fixture(scope="session")
def mailer_postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for the mailer, for the whole run."""
    with fresh_postgres("mailer_test") as plain_url:
        url = normalize_url(plain_url)
        schema.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test: cheaper than migrating every time."""
    path = tmp_path_factory.mktemp("mailer-template") / "mailer.db"
    schema.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def mailer_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> str:
    """The mailer's database, migrated and empty; each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "mailer.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("mailer_postgres_url")
    empty(url)
    return url


def empty(url: str) -> None:
    """Delete every row of the mailer's tables (children first)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in MAILER_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


@pytest.fixture
def mailer_engine(mailer_database_url: str) -> Iterator[Engine]:
    engine = make_engine(mailer_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def unit_of_work(mailer_engine: Engine) -> MailerTransaction:
    """Opens a transaction on the mailer's database, committed at the end of the block."""
    return partial(transaction, session_factory(mailer_engine))


@pytest.fixture
def sqlite_unit_of_work(tmp_path: Path, sqlite_template: Path) -> Iterator[MailerTransaction]:
    """A mailer database on SQLite only, for tests about something else than the database."""
    path = tmp_path / "mailer.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield partial(transaction, session_factory(engine))
    engine.dispose()


@pytest.fixture
def postgres_unit_of_work(mailer_postgres_url: str) -> Iterator[MailerTransaction]:
    """Transactions on the (emptied) PostgreSQL database, for tests of its locking."""
    empty(mailer_postgres_url)
    engine = make_engine(mailer_postgres_url)
    yield partial(transaction, session_factory(engine))
    engine.dispose()
