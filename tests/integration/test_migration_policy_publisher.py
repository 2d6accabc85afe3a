"""Migration 0014: a policy version keeps who published it; versions published before the
column existed keep NULL, "not recorded", and the downgrade removes the column only."""

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, text

from consent_service.adapters.schema import MIGRATIONS
from plumbing.db import make_engine
from plumbing.migrations import config_for


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
    config = config_for(empty_database, MIGRATIONS)
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
