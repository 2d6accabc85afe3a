"""`consent users create | list | disable | reset`: the console's staff from the command line.

`create` is how the first administrator comes to be: the one-time password is printed once,
alone on the last line, and must be changed at the first sign-in. What the command line does
is in the console audit log too, with no user (it runs with the database's own power).
"""

import uuid
from datetime import UTC, datetime

import click

from consent_service.adapters.passwords import Passwords
from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.cli.support import registry_sessions, settings
from consent_service.domain.errors import DomainError
from consent_service.domain.staff.accounts import StaffAccount
from consent_service.domain.staff.roles import ROLES
from consent_service.services import staff_accounts
from consent_service.services.staff_accounts import COMMAND_LINE


@click.group("users")
def users_group() -> None:
    """People who work in the console, and their roles."""


@users_group.command("create")
@click.option("--email", required=True, help="The address the person signs in with.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(list(ROLES)),
    help="Give once per role.",
)
@click.option("--name", default=None, help="How the console names the person.")
def create(email: str, roles: tuple[str, ...], name: str | None) -> None:
    """Create a person; their one-time password is printed once, alone on the last line."""
    with registry_sessions(settings()) as sessions:
        try:
            with sessions() as session, session.begin():
                account, password = staff_accounts.create_account(
                    SqlStaffStore(SqlRepository(session)),
                    Passwords(),
                    COMMAND_LINE,
                    email,
                    list(roles),
                    datetime.now(UTC),
                    name=name,
                )
        except DomainError as error:
            raise click.ClickException(error.message) from None
    click.echo(f"Created {account.email} ({', '.join(sorted(account.roles))}).", err=True)
    click.echo("Give them this one-time password; it must be changed at first sign-in:", err=True)
    click.echo(password)


def _line(account: StaffAccount) -> str:
    sign_in = f"sso {account.oidc_issuer}" if account.single_sign_on else "password"
    state = f"disabled {account.disabled_at.isoformat()}" if account.disabled_at else "active"
    factor = "2fa" if account.has_second_factor else "no-2fa"
    fields = (str(account.id), account.email or "-", account.name or "-")
    return "\t".join((*fields, ",".join(sorted(account.roles)) or "-", sign_in, factor, state))


@users_group.command("list")
def list_users() -> None:
    """One line per person: id, email, name, roles, how they sign in, 2fa, active or disabled."""
    with registry_sessions(settings()) as sessions, sessions() as session, session.begin():
        found = staff_accounts.list_accounts(SqlStaffStore(SqlRepository(session)))
    for account in found:
        click.echo(_line(account))
    if not found:
        click.echo(
            "Nobody yet: consent users create --email you@example.org --role admin", err=True
        )


@users_group.command("disable")
@click.option("--email", default=None, help="The person's address.")
@click.option("--id", "user_id", default=None, type=click.UUID, help="The person's id.")
def disable(email: str | None, user_id: uuid.UUID | None) -> None:
    """Disable a person at once: their sessions end, and they can no longer sign in."""
    if (email is None) == (user_id is None):
        raise click.UsageError("Give --email or --id.")
    with registry_sessions(settings()) as sessions:
        try:
            with sessions() as session, session.begin():
                store = SqlStaffStore(SqlRepository(session))
                found = staff_accounts.accounts_with_address(store, email or "")
                target = user_id if user_id is not None else _only_one(found)
                account = staff_accounts.disable_account(
                    store, COMMAND_LINE, target, datetime.now(UTC)
                )
        except DomainError as error:
            raise click.ClickException(error.message) from None
    click.echo(f"Disabled {account.shown_name} ({account.id}); their sessions have ended.")


@users_group.command("reset")
@click.option("--email", default=None, help="The person's address.")
@click.option("--id", "user_id", default=None, type=click.UUID, help="The person's id.")
def reset(email: str | None, user_id: uuid.UUID | None) -> None:
    """For a forgotten password or a lost authenticator: a new one-time password, printed once
    alone on the last line, the authenticator removed and every session ended."""
    if (email is None) == (user_id is None):
        raise click.UsageError("Give --email or --id.")
    with registry_sessions(settings()) as sessions:
        try:
            with sessions() as session, session.begin():
                store = SqlStaffStore(SqlRepository(session))
                found = staff_accounts.accounts_with_address(store, email or "")
                target = user_id if user_id is not None else _only_one(found)
                password = staff_accounts.reset_sign_in(
                    store, Passwords(), COMMAND_LINE, target, datetime.now(UTC)
                )
        except DomainError as error:
            raise click.ClickException(error.message) from None
    if password is None:
        click.echo("Their two-step sign-in was removed; their password is the provider's.")
        return
    click.echo("Give them this one-time password; it must be changed at first sign-in:", err=True)
    click.echo(password)


def _only_one(found: list[StaffAccount]) -> uuid.UUID:
    if not found:
        raise click.ClickException("Nobody has this address.")
    if len(found) > 1:
        ids = ", ".join(str(account.id) for account in found)
        raise click.ClickException(f"Several people have this address; give --id ({ids}).")
    return found[0].id
