"""`consent db upgrade`: the registry's schema, migrated as a step of a deployment."""

import click

from consent_service.adapters import schema
from consent_service.cli.support import settings


@click.group()
def db() -> None:
    """The registry's database."""


@db.command()
def upgrade() -> None:
    """Migrate the registry's database to the newest schema."""
    schema.upgrade(settings().database_url)
    click.echo("database is up to date")
