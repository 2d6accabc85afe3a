"""`consent recipients add NAME URL` and `list`: who may receive direct transfers."""

from datetime import UTC, datetime

import click
from sqlalchemy.exc import IntegrityError

from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.transfer_client import SystemResolver
from consent_service.cli.support import registry_sessions, settings
from consent_service.domain.errors import DomainError
from consent_service.services.transfers import register_recipient


@click.group("recipients")
def recipients_group() -> None:
    """Third parties that receive a person's export directly (portability)."""


@recipients_group.command("add")
@click.argument("name")
@click.argument("url")
def add(name: str, url: str) -> None:
    """Register NAME at URL; its new secret is printed once, alone on the last line.

    URL must be https, or http to a loopback address outside CONSENT_ENV=production. In
    production its host must resolve, and only to public addresses.
    """
    current = settings()
    with registry_sessions(current) as sessions:
        try:
            with sessions() as session, session.begin():
                secret = register_recipient(
                    SqlRepository(session),
                    name,
                    url,
                    production=current.production,
                    now=datetime.now(UTC),
                    resolver=SystemResolver(),
                )
        except DomainError as error:
            raise click.ClickException(error.message) from None
        except IntegrityError:  # registered at the same moment by another command
            raise click.ClickException(
                f"A recipient named {name!r} is registered already."
            ) from None
    click.echo(f"Registered recipient '{name}' at {url}.", err=True)
    click.echo(
        "Its secret signs every transfer (X-Consent-Signature); give it to the recipient now, "
        "it cannot be shown again.",
        err=True,
    )
    click.echo(secret)


@recipients_group.command("list")
def list_recipients() -> None:
    """Every registered recipient: name, URL and when it was added (never the secret)."""
    current = settings()
    with registry_sessions(current) as sessions, sessions() as session, session.begin():
        rows = SqlRepository(session).transfers.recipients()
    for row in rows:
        click.echo(f"{row.name}\t{row.url}\t{row.created_at.isoformat()}")
    if not rows:
        click.echo("No recipients registered.", err=True)
