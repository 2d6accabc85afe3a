"""The registry's Alembic migrations, run from code (`consent db upgrade`, embedded start-up)."""

from pathlib import Path

from plumbing import migrations

MIGRATIONS = Path(__file__).parent / "migrations"


def upgrade(url: str) -> None:
    migrations.upgrade(url, MIGRATIONS)
