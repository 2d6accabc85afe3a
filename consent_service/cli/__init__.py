"""The `consent` command: run the parts, migrate, manage keys, audit the ledger, inspect.

One module per command group, each a thin layer that parses options, calls one service and
prints; what they share (settings, the registry's database, progress) is in support.py.
"""

import click

from consent_service.cli.audit import audit_group
from consent_service.cli.db import db
from consent_service.cli.export import export_command
from consent_service.cli.importing import import_command
from consent_service.cli.keys import keys_group
from consent_service.cli.purge import purge_command
from consent_service.cli.recipients import recipients_group
from consent_service.cli.serving import serve, up
from consent_service.cli.status import status
from consent_service.cli.topology import topology_group
from consent_service.cli.users import users_group
from consent_service.cli.workers import relay, scheduler
from plumbing.logs import configure_logging


@click.group()
def main() -> None:
    """Consent registry: purpose-level opt-ins with proof."""
    configure_logging()


for command in (
    serve,
    up,
    relay,
    scheduler,
    status,
    topology_group,
    db,
    audit_group,
    import_command,
    purge_command,
    export_command,
    recipients_group,
    keys_group,
    users_group,
):
    main.add_command(command)
