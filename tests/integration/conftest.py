"""What the migration tests share: an empty registry database on each supported engine, and
Alembic's configuration pointed at it."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from consent_service.config import database_url as normalize_url
from tests.databases import fresh_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a registry database with no table yet, for a migration to start from."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'consent.db'}"
        return
    with fresh_postgres("consent_migration") as url:
        yield normalize_url(url)
