"""The `consent` command: run the parts, migrate, manage keys, audit the ledger, inspect."""

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from consent_service.adapters import rabbitmq_admin, schema
from consent_service.adapters.broker import BROKER_OK, BROKER_UNREACHABLE, Publisher, broker_state
from consent_service.adapters.processes import internal_key, single_relay_lock, stop_flag
from consent_service.adapters.report_consumer import ReportConsumer
from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.commands.exporting import export_command
from consent_service.commands.importing import import_command
from consent_service.commands.keys import keys_group
from consent_service.commands.purge import purge_command, retention_rules
from consent_service.commands.recipients import recipients_group
from consent_service.commands.transfer_worker import start_transfer_worker
from consent_service.config import ConfigError, Settings
from consent_service.services import audit
from consent_service.services.housekeeping import Housekeeping
from consent_service.services.relay import run_relay
from consent_service.services.retention import Retention
from consent_service.services.scheduling import schedule_due
from consent_service.services.status import OutboxLag
from consent_service.supervisor import Part, Supervisor, python_command
from plumbing.broker.connection import broker_connection, is_amqp
from plumbing.db import make_engine, session_factory
from plumbing.logs import configure_logging


def _settings() -> Settings:
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    configure_logging(settings.secret_key)
    return settings


def _safe_url(url: str) -> str:
    """A URL fit for a terminal or a log: the password replaced by stars."""
    return make_url(url).render_as_string(hide_password=True) if "://" in url else url


def _broker_name(settings: Settings) -> str:
    if settings.broker_url:
        return _safe_url(settings.broker_url)
    return f"embedded, under {settings.instance_dir / 'broker'}"


def _sessions(settings: Settings) -> sessionmaker[Session]:
    return session_factory(make_engine(settings.database_url))


@click.group()
def main() -> None:
    """Consent registry: purpose-level opt-ins with proof."""
    configure_logging()


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


@main.command()
def relay() -> None:
    """Publish committed outbox messages to the broker, with confirms, until stopped.

    A second thread takes the mailer's run reports back into the registry; a third delivers
    direct transfers to their recipients.
    """
    settings = _settings()
    if settings.is_embedded_sqlite:
        schema.upgrade(settings.database_url)
        single_relay_lock(settings.instance_dir)
    sessions = _sessions(settings)
    publisher = Publisher(settings.broker_url, settings.instance_dir)
    stop = stop_flag()
    reports = _start_report_consumer(settings, sessions, stop)
    transfers = start_transfer_worker(settings, sessions, stop)
    click.echo(f"relay publishing to {_broker_name(settings)}", err=True)
    stats = run_relay(
        SqlUnitOfWork(sessions),
        publisher,
        batch_size=settings.relay_batch_size,
        idle_sleep=0.05,
        should_stop=stop,
        sleep=time.sleep,
    )
    publisher.close()
    reports.join(timeout=30)
    transfers.join(timeout=30)
    click.echo(f"relay stopped after publishing {stats.published} messages", err=True)


def _start_report_consumer(
    settings: Settings, sessions: sessionmaker[Session], stop: Callable[[], bool]
) -> threading.Thread:
    options = {"heartbeat": 30} if is_amqp(settings.broker_url) else {}
    connection = broker_connection(settings.broker_url, settings.instance_dir, **options)
    consumer = ReportConsumer(connection, sessions, stop)
    thread = threading.Thread(
        target=consumer.run, kwargs={"safety_interval": 0.25}, name="reports", daemon=True
    )
    thread.start()
    return thread


@main.command()
def scheduler() -> None:
    """Turn due campaign schedules into runs, about every second, and seal ledger checkpoints."""
    settings = _settings()
    if settings.is_embedded_sqlite:
        schema.upgrade(settings.database_url)
    uow = SqlUnitOfWork(_sessions(settings))
    jobs = Housekeeping(
        uow,
        settings.secret_key,
        settings.checkpoint_interval,
        retention=Retention(uow, retention_rules(settings), settings.secret_key),
    )
    stop = stop_flag()
    log = logging.getLogger("consent_service.scheduler")
    log.info(
        "scheduler started",
        extra={"event": "scheduler_started", "grace": str(settings.schedule_grace)},
    )
    while not stop():
        now = datetime.now(UTC)
        try:
            schedule_due(uow, now, grace=settings.schedule_grace)
        except Exception:  # the database may be away for a while; try again next tick
            log.exception("scheduling failed", extra={"event": "scheduling_failed"})
        jobs.tick(now)
        time.sleep(1)


@main.command()
def status() -> None:
    """Outbox lag, and whether the broker is reachable and accepts published messages."""
    settings = _settings()
    with _sessions(settings)() as session:
        lag = OutboxLag.measure(SqlRepository(session), datetime.now(UTC))
    state = broker_state(settings.broker_url, settings.instance_dir)
    if state == BROKER_OK:
        shown = "reachable, publishing accepted"
    elif state == BROKER_UNREACHABLE:
        shown = "UNREACHABLE"
    else:
        shown = f"reachable, but {state}"
    click.echo(f"database: {_safe_url(settings.database_url)}")
    click.echo(f"broker: {_broker_name(settings)} ({shown})")
    click.echo(f"outbox: {lag.unsent} unsent, oldest waiting {lag.oldest_age_seconds:.1f}s")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def up(host: str, port: int) -> None:
    """Start the API, relay, scheduler and one mailer; Ctrl-C stops them all."""
    settings = _settings()
    if settings.is_embedded_sqlite:
        schema.upgrade(settings.database_url)
    base = f"http://{host}:{port}"
    mailer_env = {
        "MAILER_REGISTRY_URL": base,
        "MAILER_REGISTRY_KEY": internal_key(settings, "mailer catch-up", ["sync:read"]),
        "CONSENT_SECRET_KEY": settings.secret_key,
    }
    parts = [
        Part(
            "api", python_command("consent_service", "serve", "--host", host, "--port", str(port))
        ),
        Part("relay", python_command("consent_service", "relay")),
        Part("scheduler", python_command("consent_service", "scheduler")),
        Part("mailer", python_command("mailer", "work"), env=mailer_env),
    ]
    for part in parts:
        part.env.setdefault("CONSENT_SECRET_KEY", settings.secret_key)
        if not os.environ.get("PUBLIC_BASE_URL"):
            # Links in emails must reach this very API, whatever port it was given.
            part.env["PUBLIC_BASE_URL"] = base
    click.echo(f"API        {base}/  (OpenAPI: {base}/openapi.json)")
    click.echo(f"Policy     {base}/v1/policies/current")
    click.echo(f"Instance   {settings.instance_dir}")
    click.echo(f"Broker     {_broker_name(settings)}")
    click.echo("Press Ctrl-C to stop everything.")
    sys.exit(Supervisor(parts).run())


@main.group("topology")
def topology_group() -> None:
    """The RabbitMQ topology (exchanges, quorum queues, dead-lettering)."""


@topology_group.command("export")
def topology_export() -> None:
    """Print the topology as a RabbitMQ definitions document."""
    click.echo(json.dumps(rabbitmq_admin.definitions(), indent=2))


@topology_group.command("apply")
def topology_apply() -> None:
    """Declare the topology on BROKER_URL (the processes also do this at start-up)."""
    settings = _settings()
    if not settings.broker_url:
        raise click.ClickException("BROKER_URL is not set: the embedded broker needs no set-up.")
    rabbitmq_admin.apply(settings.broker_url)
    click.echo("topology declared")


@topology_group.command("check")
def topology_check() -> None:
    """Exit 1 unless every exchange and queue exists on BROKER_URL."""
    settings = _settings()
    if not settings.broker_url:
        raise click.ClickException("BROKER_URL is not set.")
    problems = rabbitmq_admin.check(settings.broker_url)
    for problem in problems:
        click.echo(f"MISSING {problem}")
    if problems:
        sys.exit(1)
    click.echo("topology complete")


@main.group()
def db() -> None:
    """The registry's database."""


@db.command()
def upgrade() -> None:
    """Migrate the registry's database to the newest schema."""
    settings = _settings()
    schema.upgrade(settings.database_url)
    click.echo("database is up to date")


@main.group("audit")
def audit_group() -> None:
    """Proof of consent: the hash-chained ledger."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check every chain and checkpoint; exit 1 if anything was edited, removed or reordered."""
    settings = _settings()
    with _sessions(settings)() as session:
        report = audit.verify(SqlRepository(session), [settings.secret_key])
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
            SqlRepository(session),
            settings.secret_key,
            datetime.now(UTC),
            timedelta(seconds=settle_seconds),
        )
    click.echo(f"sealed {sealed} entries" if sealed else "nothing new to seal")


main.add_command(import_command)
main.add_command(purge_command)
main.add_command(export_command)
main.add_command(recipients_group)
main.add_command(keys_group)
