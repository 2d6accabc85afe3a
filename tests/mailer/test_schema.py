"""The mailer's migrations: they build its models, run anywhere, and share a database politely."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from consent_service.adapters import schema as registry_schema
from mailer.adapters import schema
from mailer.adapters.orm import Base
from plumbing.db import make_engine

MAILER_TABLES = {"recipients", "recipient_consents", "erased_subjects", "processed_messages"}


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
