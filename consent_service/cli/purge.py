"""`consent purge [--dry-run]`: apply the retention rules now (the scheduler does it daily)."""

from datetime import UTC, datetime

import click

from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.cli.support import progress, registry_sessions, retention_rules, settings
from consent_service.domain.retention import DESCRIPTIONS
from consent_service.services.retention import Retention


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would go; change nothing.")
def purge_command(dry_run: bool) -> None:
    """Withdraw expired pending consents, erase inactive subjects, delete expired tokens,
    old webhook event ids and old stored answers (docs/decisions/0015-import-and-retention.md).

    The mailer deletes its own send-ledger detail, daily in `mailer work`.
    """
    current = settings()
    rules = retention_rules(current)
    now = datetime.now(UTC)
    with registry_sessions(current) as sessions:
        retention = Retention(SqlUnitOfWork(sessions), rules, current.secret_key)
        counts = retention.plan(now) if dry_run else retention.purge(now, progress)
    for rule, count in counts.items():
        click.echo(f"{rule.value:<18} {count:>8}  {DESCRIPTIONS[rule]}")
    total = sum(counts.values())
    if dry_run:
        click.echo(f"dry run: {total} items would be removed or changed; nothing was changed")
    else:
        click.echo(f"purged: {total} items removed or changed")
