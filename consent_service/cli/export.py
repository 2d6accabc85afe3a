"""`consent export SUBJECT_ID`: everything held about one person, as the API exports it."""

import json
import os
import sys
import uuid
from pathlib import Path

import click

from consent_service.adapters.export_requests import exporter_for
from consent_service.cli.support import registry_sessions, settings
from consent_service.domain.errors import SubjectNotFound
from consent_service.services.export import MailerPartUnavailable, csv_zip

EXIT_RETRY = 75
"""EX_TEMPFAIL (sysexits.h): the mailer's part did not come; nothing was written, try again."""


class RetryLater(click.ClickException):
    exit_code = EXIT_RETRY


@click.command("export")
@click.argument("subject_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
    help="JSON, or a zip with one CSV file per table.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (readable by you only) instead of standard output.",
)
def export_command(subject_id: str, fmt: str, output: Path | None) -> None:
    """Everything held about one person, from the registry and the mailer (docs/export.md).

    Exits 75 when the mailer does not answer in time (is `mailer work` running?).
    """
    try:
        wanted = uuid.UUID(subject_id)
    except ValueError:
        raise click.BadParameter("not a subject id (a UUID)", param_hint="SUBJECT_ID") from None
    if fmt == "csv" and output is None and sys.stdout.isatty():
        raise click.UsageError("A CSV export is a zip file: give --output FILE or redirect it.")
    current = settings()
    with registry_sessions(current) as sessions:
        click.echo(f"Exporting subject {wanted}: the registry's part...", err=True)
        try:
            data = exporter_for(current, sessions).export(wanted)
        except SubjectNotFound:
            raise click.ClickException(f"No subject {wanted} (unknown or erased).") from None
        except MailerPartUnavailable:
            raise RetryLater(
                f"The mailer's part did not come within {current.export_timeout:g} s "
                "(is `mailer work` running?). Nothing was exported; retry."
            ) from None
    click.echo(
        f"... and the mailer's part: {len(data['history'])} ledger entries, "
        f"{len(data['emails'])} emails.",
        err=True,
    )
    if fmt == "csv":
        payload = csv_zip(data)
    else:
        payload = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
    if output is None:
        sys.stdout.buffer.write(payload)  # click 8.3 deprecated get_binary_stream
        return
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(payload)
    click.echo(f"Wrote {output} ({len(payload)} bytes).", err=True)
