"""`consent topology export | apply | check`: the RabbitMQ topology, for operators."""

import json
import sys

import click

from consent_service.adapters import rabbitmq_admin
from consent_service.cli.support import settings


@click.group("topology")
def topology_group() -> None:
    """The RabbitMQ topology (exchanges, quorum queues, dead-lettering)."""


@topology_group.command("export")
def topology_export() -> None:
    """Print the topology as a RabbitMQ definitions document."""
    click.echo(json.dumps(rabbitmq_admin.definitions(), indent=2))


@topology_group.command("apply")
def topology_apply() -> None:
    """Declare the topology on BROKER_URL (the processes also do this at start-up)."""
    current = settings()
    if not current.broker_url:
        raise click.ClickException("BROKER_URL is not set: the embedded broker needs no set-up.")
    rabbitmq_admin.apply(current.broker_url)
    click.echo("topology declared")


@topology_group.command("check")
def topology_check() -> None:
    """Exit 1 unless every exchange and queue exists on BROKER_URL."""
    current = settings()
    if not current.broker_url:
        raise click.ClickException("BROKER_URL is not set.")
    problems = rabbitmq_admin.check(current.broker_url)
    for problem in problems:
        click.echo(f"MISSING {problem}")
    if problems:
        sys.exit(1)
    click.echo("topology complete")
