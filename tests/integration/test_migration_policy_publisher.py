"""Migration 0014: a policy version keeps who published it; versions published before the
column existed keep NULL, "not recorded", and the downgrade removes the column only."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from consent_service.adapters.schema import MIGRATIONS
from consent_service.config import database_url as normalize_url
from plumbing.db import make_engine
from tests.databases import fresh_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'consent.db'}"
        return
    with fresh_postgres("consent_migration") as url:
        yield normalize_url(url)


def _config(url: str) -> Config:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _rows(url: str) -> dict[str, str | None]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version, published_by FROM policies")).all()
    finally:
        engine.dispose()
    return dict(rows)


def _columns(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {column["name"] for column in inspect(engine).get_columns("policies")}
    finally:
        engine.dispose()


def test_versions_published_before_are_not_recorded_and_new_ones_keep_the_publisher(
    empty_database,
) -> None:
    config = _config(empty_database)
    command.upgrade(config, "0013")
    engine = make_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO policies (version, effective_at, created_at) VALUES ('old', :at, :at)"
            ),
            {"at": datetime(2026, 11, 20, tzinfo=UTC)},
        )
    engine.dispose()

    command.upgrade(config, "0014")

    assert _rows(empty_database) == {"2026-11-01": None, "old": None}
    engine = make_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO policies (version, effective_at, created_at, published_by) "
                "VALUES ('new', :at, :at, 'console:someone')"
            ),
            {"at": datetime(2026, 12, 20, tzinfo=UTC)},
        )
    engine.dispose()
    assert _rows(empty_database)["new"] == "console:someone"

    command.downgrade(config, "0013")

    assert "published_by" not in _columns(empty_database)
    assert set(_rows_before(empty_database)) == {"2026-11-01", "old", "new"}


def _rows_before(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT version FROM policies")).scalars())
    finally:
        engine.dispose()
