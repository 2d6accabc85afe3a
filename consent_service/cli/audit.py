"""`consent audit verify | checkpoint`: proof that the ledger is as it was written."""

import sys
from datetime import UTC, datetime, timedelta

import click

from consent_service.adapters.repository import SqlRepository
from consent_service.cli.support import registry_sessions, settings
from consent_service.services import audit


@click.group("audit")
def audit_group() -> None:
    """Proof of consent: the hash-chained ledger."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check every chain and checkpoint; exit 1 if anything was edited, removed or reordered.
    The outcome is kept for the console's audit page."""
    current = settings()
    with registry_sessions(current) as sessions, sessions() as session, session.begin():
        report, _kept = audit.verify_and_record(
            SqlRepository(session), [current.secret_key], audit.COMMAND_LINE, datetime.now(UTC)
        )
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
    current = settings()
    with registry_sessions(current) as sessions, sessions() as session, session.begin():
        sealed = audit.checkpoint(
            SqlRepository(session),
            current.secret_key,
            datetime.now(UTC),
            timedelta(seconds=settle_seconds),
        )
    click.echo(f"sealed {sealed} entries" if sealed else "nothing new to seal")
