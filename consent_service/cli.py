"""The `consent` command: serve, migrate, manage keys and audit the ledger."""

import sys
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy.orm import Session, sessionmaker

from consent_service.adapters import schema
from consent_service.adapters.db import make_engine, session_factory
from consent_service.adapters.repository import Registry
from consent_service.config import ConfigError, Settings
from consent_service.services import api_keys, audit


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _sessions(settings: Settings) -> sessionmaker[Session]:
    return session_factory(make_engine(settings.database_url))


@click.group()
def main() -> None:
    """Consent registry: purpose-level opt-ins with proof."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the API (development server; use gunicorn consent_service.wsgi:app in production)."""
    from consent_service.app import create_app

    settings = _settings()
    if settings.is_embedded_sqlite:
        schema.upgrade(settings.database_url)
    app = create_app(settings)
    click.echo(f"Consent API on http://{host}:{port}/ (instance: {settings.instance_dir})")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.group()
def db() -> None:
    """The registry's database."""


@db.command()
def upgrade() -> None:
    """Migrate the registry's database to the newest schema."""
    settings = _settings()
    schema.upgrade(settings.database_url)
    click.echo("database is up to date")


@main.group()
def keys() -> None:
    """API keys."""


@keys.command("create")
@click.option("--name", required=True, help="Who the key is for.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(api_keys.SCOPES),
    help="Give once per scope.",
)
def keys_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a key; it is printed once, alone on the last line, and only its hash is kept."""
    settings = _settings()
    if settings.is_embedded_sqlite:
        schema.upgrade(settings.database_url)
    with _sessions(settings)() as session, session.begin():
        key = api_keys.create_key(Registry(session), name, list(scopes), datetime.now(UTC))
    click.echo(f"Created key '{name}' with scopes: {', '.join(sorted(set(scopes)))}", err=True)
    click.echo("Store it now; it cannot be shown again.", err=True)
    click.echo(key)


@main.group("audit")
def audit_group() -> None:
    """Proof of consent: the hash-chained ledger."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check every chain and checkpoint; exit 1 if anything was edited, removed or reordered."""
    settings = _settings()
    with _sessions(settings)() as session:
        report = audit.verify(Registry(session), [settings.secret_key])
    for finding in report.findings:
        click.echo(f"FAIL {finding}")
    summary = (
        f"{report.entries} entries, {report.subjects} subjects, {report.checkpoints} checkpoints"
    )
    if report.ok:
        click.echo(f"ledger verifies: {summary}")
        return
    click.echo(f"ledger does NOT verify: {len(report.findings)} problem(s) in {summary}")
    sys.exit(1)


@audit_group.command("checkpoint")
@click.option(
    "--settle-seconds",
    default=int(audit.CHECKPOINT_SETTLE.total_seconds()),
    show_default=True,
    help="Leave entries younger than this for the next checkpoint.",
)
def audit_checkpoint(settle_seconds: int) -> None:
    """Seal the ledger entries written since the last checkpoint."""
    settings = _settings()
    with _sessions(settings)() as session, session.begin():
        sealed = audit.checkpoint(
            Registry(session),
            settings.secret_key,
            datetime.now(UTC),
            timedelta(seconds=settle_seconds),
        )
    click.echo(f"sealed {sealed} entries" if sealed else "nothing new to seal")
