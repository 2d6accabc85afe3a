"""`consent relay` and `consent scheduler`: the registry's long-running workers.

The relay composes its three jobs (consent_service/relay/): it publishes the outbox in its
main thread, and takes run reports and delivers transfers in a thread each.
"""

import logging
import time
from datetime import UTC, datetime

import click

from consent_service.adapters import metrics
from consent_service.adapters.broker import Publisher
from consent_service.adapters.processes import single_relay_lock
from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.cli.support import broker_name, registry_sessions, retention_rules, settings
from consent_service.relay.outbox_publishing import run_relay
from consent_service.relay.report_intake import start_report_intake
from consent_service.relay.transfer_delivery import start_transfer_delivery
from consent_service.services.housekeeping import Housekeeping
from consent_service.services.retention import Retention
from consent_service.services.scheduling import schedule_due
from plumbing.commands import stop_flag
from plumbing.metrics import serve_metrics


@click.command()
def relay() -> None:
    """Publish committed outbox messages to the broker, with confirms, until stopped.

    A second thread takes the mailer's run reports back into the registry; a third delivers
    direct transfers to their recipients. With CONSENT_RELAY_METRICS_PORT it serves its
    metrics there.
    """
    current = settings()
    if current.relay_metrics_port is not None:
        serve_metrics(current.relay_metrics_port, metrics.COUNTERS)
    with registry_sessions(current) as sessions:
        if current.is_embedded_sqlite:
            single_relay_lock(current.instance_dir)
        publisher = Publisher(current.broker_url, current.instance_dir)
        stop = stop_flag()
        reports = start_report_intake(current, sessions, stop)
        transfers = start_transfer_delivery(current, sessions, stop)
        click.echo(f"relay publishing to {broker_name(current)}", err=True)
        stats = run_relay(
            SqlUnitOfWork(sessions),
            publisher,
            batch_size=current.relay_batch_size,
            idle_sleep=0.05,
            should_stop=stop,
            sleep=time.sleep,
            meter=metrics.RelayCounters(),
        )
        publisher.close()
        reports.join(timeout=30)
        transfers.join(timeout=30)
    click.echo(f"relay stopped after publishing {stats.published} messages", err=True)


@click.command()
def scheduler() -> None:
    """Turn due campaign schedules into runs, about every second, and seal ledger checkpoints."""
    current = settings()
    with registry_sessions(current) as sessions:
        uow = SqlUnitOfWork(sessions)
        jobs = Housekeeping(
            uow,
            current.secret_key,
            current.checkpoint_interval,
            retention=Retention(uow, retention_rules(current), current.secret_key),
        )
        stop = stop_flag()
        log = logging.getLogger("consent_service.scheduler")
        log.info(
            "scheduler started",
            extra={"event": "scheduler_started", "grace": str(current.schedule_grace)},
        )
        while not stop():
            now = datetime.now(UTC)
            try:
                schedule_due(uow, now, grace=current.schedule_grace)
            except Exception:  # the database may be away for a while; try again next tick
                log.exception("scheduling failed", extra={"event": "scheduling_failed"})
            jobs.tick(now)
            time.sleep(1)
