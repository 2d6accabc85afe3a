"""`consent keys create | list | revoke`: keys shown once, listed by prefix, revoked at once."""

from datetime import UTC, datetime

import click

from consent_service.adapters.repository import SqlRepository
from consent_service.cli.support import registry_sessions, settings
from consent_service.services import api_keys


@click.group("keys")
def keys_group() -> None:
    """API keys."""


@keys_group.command("create")
@click.option("--name", required=True, help="Who the key is for.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(api_keys.SCOPES),
    help="Give once per scope.",
)
def create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a key; it is printed once, alone on the last line, and only its hash is kept."""
    with registry_sessions(settings()) as sessions, sessions() as session, session.begin():
        key = api_keys.create_key(SqlRepository(session), name, list(scopes), datetime.now(UTC))
    click.echo(f"Created key '{name}' with scopes: {', '.join(sorted(set(scopes)))}", err=True)
    click.echo("Store it now; it cannot be shown again.", err=True)
    click.echo(key)


@keys_group.command("list")
def list_keys() -> None:
    """One line per key: id, name, prefix, scopes, and `active` or when it was revoked."""
    with registry_sessions(settings()) as sessions, sessions() as session, session.begin():
        found = api_keys.list_keys(SqlRepository(session))
    for key in found:
        state = f"revoked {key.revoked_at.isoformat()}" if key.revoked_at else "active"
        click.echo("\t".join((key.id, key.name, key.prefix, ",".join(key.scopes), state)))
    if not found:
        click.echo("No API keys.", err=True)


@keys_group.command("revoke")
@click.argument("key_id", metavar="ID")
def revoke(key_id: str) -> None:
    """Revoke the key with this ID; every process refuses it from its next request on."""
    with registry_sessions(settings()) as sessions:
        try:
            with sessions() as session, session.begin():
                key = api_keys.revoke_key(SqlRepository(session), key_id, datetime.now(UTC))
        except api_keys.KeyNotFound as error:
            raise click.ClickException(error.message) from None
    click.echo(f"Revoked key {key.id} ({key.name}); it is refused from the next request on.")
