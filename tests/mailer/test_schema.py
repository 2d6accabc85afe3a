"""The mailer's migrations: they build its models, run anywhere, and share a database politely."""

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from consent_service.adapters import schema as registry_schema
from mailer.adapters import schema
from mailer.adapters.orm import Base
from mailer.config import database_url as normalize_url
from plumbing.db import make_engine
from tests.databases import fresh_postgres
from tests.mailer.conftest import MAILER_TABLES as TABLES

MAILER_TABLES = set(TABLES)


def differences(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": lambda _o, name, kind, *_: (
                    kind != "table" or name in Base.metadata.tables
                )
            },
        )
        found = compare_metadata(context, Base.metadata)
    engine.dispose()
    return found


def test_migrated_database_matches_the_models(mailer_database_url: str) -> None:
    assert differences(mailer_database_url) == []


def test_upgrade_is_idempotent_and_keeps_its_own_version_table(mailer_database_url: str) -> None:
    schema.upgrade(mailer_database_url)
    engine = make_engine(mailer_database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert MAILER_TABLES | {"mailer_alembic_version"} <= tables
    assert "alembic_version" not in tables


def test_mailer_and_registry_can_share_one_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    registry_schema.upgrade(url)
    schema.upgrade(url)
    registry_schema.upgrade(url)
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"alembic_version", "mailer_alembic_version", "subjects"} | MAILER_TABLES <= tables
    assert differences(url) == []


def test_migrations_run_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    schema.upgrade("sqlite:///elsewhere.db")
    assert (tmp_path / "elsewhere.db").exists()


@pytest.mark.postgres
def test_workers_starting_together_on_a_new_database_all_migrate_it() -> None:
    """Each `mailer work` migrates at start-up; started together they must not race."""
    code = "import sys; from mailer.adapters import schema; schema.upgrade(sys.argv[1])"
    with fresh_postgres("mailer_race") as plain_url:
        url = normalize_url(plain_url)
        workers = [
            subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE)
            for _ in range(4)
        ]
        errors = [worker.communicate(timeout=60)[1].decode() for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0, 0, 0], errors
        assert differences(url) == []
