"""`consent status`: outbox lag and the broker's state, for a person at a terminal."""

from datetime import UTC, datetime

import click

from consent_service.adapters.broker import BROKER_OK, BROKER_UNREACHABLE, broker_state
from consent_service.adapters.repository import SqlRepository
from consent_service.cli.support import broker_name, registry_sessions, safe_url, settings
from consent_service.services.status import OutboxLag


@click.command()
def status() -> None:
    """Outbox lag, and whether the broker is reachable and accepts published messages."""
    current = settings()
    with registry_sessions(current) as sessions, sessions() as session:
        lag = OutboxLag.measure(SqlRepository(session), datetime.now(UTC))
    state = broker_state(current.broker_url, current.instance_dir)
    if state == BROKER_OK:
        shown = "reachable, publishing accepted"
    elif state == BROKER_UNREACHABLE:
        shown = "UNREACHABLE"
    else:
        shown = f"reachable, but {state}"
    click.echo(f"database: {safe_url(current.database_url)}")
    click.echo(f"broker: {broker_name(current)} ({shown})")
    click.echo(f"outbox: {lag.unsent} unsent, oldest waiting {lag.oldest_age_seconds:.1f}s")
