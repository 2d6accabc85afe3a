"""Running a package's Alembic migrations from code, from any working directory."""

from pathlib import Path

from alembic import command
from alembic.config import Config


def upgrade(url: str, migrations: Path) -> None:
    """Bring the database to the newest schema of `migrations`; a no-op when it is there."""
    config = Config(str(migrations / "alembic.ini"))
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")
