"""The migrations build exactly the tables the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from consent_service.adapters import schema
from consent_service.adapters.orm import Base
from consent_service.config import database_url as normalize_url
from plumbing.db import make_engine


def test_migrated_database_matches_the_models(database_url) -> None:
    engine = make_engine(normalize_url(database_url))
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_is_idempotent_and_the_ledger_is_easy_to_find(database_url) -> None:
    url = normalize_url(database_url)
    schema.upgrade(url)
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {t for t in tables if "ledger" in t} == {"consent_ledger", "consent_ledger_checkpoints"}
