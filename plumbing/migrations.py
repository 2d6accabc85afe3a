"""Running a package's Alembic migrations from code, from any working directory."""

from pathlib import Path

from alembic import command
from alembic.config import Config


def config_for(url: str, migrations: Path) -> Config:
    """Alembic's configuration for `migrations` on the database at `url` (a test that steps
    through revisions one by one starts from it too)."""
    config = Config(str(migrations / "alembic.ini"))
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, migrations: Path) -> None:
    """Bring the database to the newest schema of `migrations`; a no-op when it is there."""
    command.upgrade(config_for(url, migrations), "head")
