"""The `mailer` command. `mailer work` keeps the view of who is opted in and sends campaigns."""

import logging
import os
import threading
from collections.abc import Callable
from functools import partial

import click

from mailer.adapters import schema
from mailer.adapters.broker import ReportPublisher, connect
from mailer.adapters.consumer import EventConsumer
from mailer.adapters.email import make_backend
from mailer.adapters.email.outbox import WrittenEmail, written_emails
from mailer.adapters.export_responder import start_export_responder
from mailer.adapters.metrics import PrometheusMeter
from mailer.adapters.registry_client import RegistryClient
from mailer.adapters.repository import MailerTransaction, transaction
from mailer.config import ConfigError, MailerSettings, instance_dir
from mailer.services.catchup import catch_up
from mailer.services.fence import RegistryClientError
from mailer.services.meters import NO_METER, Meter
from mailer.services.retention import SendLedgerRetention, start_daily_purge
from mailer.services.sending.sender import Sender
from plumbing.broker.consuming import Stopping
from plumbing.commands import database, on_stop_signals, settings_from_env
from plumbing.db import scrub_sqlite, session_factory
from plumbing.metrics import serve_metrics

log = logging.getLogger("mailer.work")

SENDER_STOP_SECONDS = 60
"""How long a stopping worker waits for the batch in hand (the backend's bounded retries)."""


@click.group()
def main() -> None:
    """The mailer worker."""


@main.command()
def work() -> None:
    """Keep the view of who is opted in, and send campaign runs and confirmation emails.

    Creates or upgrades the mailer's database, declares the broker topology, catches up once,
    then consumes until SIGINT or SIGTERM, catching up again every MAILER_CATCHUP_INTERVAL;
    a sender thread beside the consumer plans runs, sends their batches and reports them,
    and another sends the confirmation emails, so that no campaign can hold them up.
    """
    settings = settings_from_env(
        MailerSettings.from_env, ConfigError, lambda current: current.sending.secret_key
    )
    with database(settings.database_url, upgrade=schema.upgrade) as engine:
        _work(
            settings,
            partial(transaction, session_factory(engine)),
            on_erasure=partial(scrub_sqlite, engine),
        )
    log.info("mailer stopped", extra={"event": "stopped"})


@main.command()
@click.option("--last", type=click.IntRange(min=1), help="Only the N newest emails.")
def outbox(last: int | None) -> None:
    """List the emails written to <instance>/outbox/ (MAILER_EMAIL_BACKEND=file), oldest
    first: when, category, From, To, Subject and every link inside.

    Their bodies are base64, so grep finds no link in them; this decodes them.
    """
    folder = instance_dir(os.environ) / "outbox"
    emails = written_emails(folder, last)
    if not emails:
        click.echo(f"No emails in {folder}.", err=True)
    for written in emails:
        click.echo(_summary(written))


def _summary(written: WrittenEmail) -> str:
    when = written.written_at.strftime("%Y-%m-%d %H:%M:%S")
    if written.problem is not None:
        return f"{when}  {written.name}\n  cannot be read: {written.problem}\n"
    lines = [
        f"{when}  {written.category or 'email'}",
        f"  From:    {written.sender}",
        f"  To:      {written.recipient}",
        f"  Subject: {written.subject}",
        *(f"  Link:    {link}" for link in written.links),
    ]
    return "\n".join(lines) + "\n"


def _work(
    settings: MailerSettings,
    unit_of_work: MailerTransaction,
    on_erasure: Callable[[], object] | None = None,
) -> None:
    meter = PrometheusMeter() if settings.metrics_port is not None else None
    connection = connect(settings.broker_url, settings.instance_dir)
    consumer = EventConsumer(connection, unit_of_work, on_erasure, meter or NO_METER)
    reports = ReportPublisher(settings.broker_url, settings.instance_dir)
    sender = make_sender(settings, unit_of_work, reports, meter)
    if meter is not None and settings.metrics_port is not None:
        serve_metrics(settings.metrics_port, meter.collectors)

    def _stop() -> None:
        consumer.stop()
        sender.stop()

    on_stop_signals(_stop)
    try:
        consumer.declare()
    except Stopping:
        return
    catching_up = _start_catch_up(settings, unit_of_work, consumer)
    sending = threading.Thread(target=sender.run, name="sender", daemon=True)
    sending.start()
    confirming = threading.Thread(
        target=sender.run_confirmations, name="confirmations", daemon=True
    )
    confirming.start()
    purging = start_daily_purge(unit_of_work, SendLedgerRetention.of(settings), consumer.sleep)
    answering = start_export_responder(settings, unit_of_work, lambda: consumer.should_stop)
    log.info(
        "mailer started",
        extra={
            "event": "started",
            "broker": "embedded" if settings.embedded_broker else "rabbitmq",
            "catchup_interval": settings.catchup_interval if catching_up else None,
            "email_backend": settings.sending.backend,
            "send_rate": settings.sending.send_rate,
            "batch_size": settings.sending.batch_size,
        },
    )
    try:
        consumer.run(safety_interval=0.25)
    finally:
        consumer.stop()
        sender.stop()
        sending.join(timeout=SENDER_STOP_SECONDS)
        confirming.join(timeout=SENDER_STOP_SECONDS)
        purging.join(timeout=10)
        answering.join(timeout=10)
        reports.close()
        if catching_up:
            catching_up.join(timeout=30)


def make_sender(
    settings: MailerSettings,
    unit_of_work: MailerTransaction,
    reports: ReportPublisher | None,
    meter: PrometheusMeter | None = None,
) -> Sender:
    """The sender of `mailer work`: the configured backend, the registry for the send-time
    fence (none without MAILER_REGISTRY_KEY: campaign batches then wait, and say so), and
    the metrics when MAILER_METRICS_PORT serves them (each backend call timed)."""
    registry_client = None
    if settings.registry_key is not None:
        registry_client = RegistryClient(settings.registry_url, settings.registry_key)
    else:
        log.warning(
            "MAILER_REGISTRY_KEY is not set: campaign batches are not sent, since the "
            "send-time check cannot ask the registry",
            extra={"event": "sending_fenced"},
        )
    backend = make_backend(settings.sending, settings.instance_dir)
    measured: Meter = NO_METER
    if meter is not None:
        backend = meter.timed(backend, settings.sending.backend)
        measured = meter
    return Sender(
        unit_of_work,
        backend,
        registry_client,
        reports,
        settings.sending,
        lease=settings.sending.batch_lease,
        meter=measured,
    )


def _start_catch_up(
    settings: MailerSettings, unit_of_work: MailerTransaction, consumer: EventConsumer
) -> threading.Thread | None:
    """Catch up once now, then every interval in a thread, until the consumer stops."""
    if settings.registry_key is None:
        log.warning(
            "MAILER_REGISTRY_KEY is not set: catch-up with the registry is disabled, so a "
            "lost message stays lost",
            extra={"event": "catchup_disabled"},
        )
        return None
    registry_client = RegistryClient(settings.registry_url, settings.registry_key)

    def once() -> None:
        try:
            report = catch_up(unit_of_work, registry_client)
        except RegistryClientError as error:
            log.warning(
                "catch-up skipped: %s",
                error,
                extra={"event": "catchup_failed", "error": str(error)},
            )
            return
        except Exception:
            log.exception("catch-up failed", extra={"event": "catchup_failed"})
            return
        log.info("catch-up done", extra={"event": "catchup_done", **vars(report)})

    def loop() -> None:
        while not consumer.sleep(settings.catchup_interval):
            once()

    once()
    thread = threading.Thread(target=loop, name="catch-up", daemon=True)
    thread.start()
    return thread
