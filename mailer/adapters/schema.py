"""The mailer's Alembic migrations, run from code at `mailer work` start-up.

The mailer keeps its own version table, so it can share a database with the registry (whose
migrations use Alembic's default `alembic_version`) without either seeing the other's history.
"""

from pathlib import Path

from plumbing import migrations

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "mailer_alembic_version"


def upgrade(url: str) -> None:
    migrations.upgrade(url, MIGRATIONS)
