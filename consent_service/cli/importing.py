"""`consent import FILE.csv`: bulk-load people with their consent evidence (docs/import.md)."""

import csv
import getpass
import os
import sys
from pathlib import Path
from typing import IO

import click

from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.cli.support import progress, registry_sessions, settings
from consent_service.services import import_files
from consent_service.services.importing import Importer, RawRow

EXIT_REJECTED = 1
"""Some rows were rejected (they are in the report); every other row was applied."""


class FileRefused(click.ClickException):
    """The file as a whole cannot be imported; nothing was written."""

    exit_code = 2


def _actor() -> str:
    """Who ran the import, for the ledger: the operating-system user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"[:64]


def _open(path: Path) -> IO[str]:
    # utf-8-sig: spreadsheets save UTF-8 with a byte-order mark.
    return path.open(encoding="utf-8-sig", newline="")


def _check(path: Path) -> tuple[list[str], int]:
    """The header and the number of data rows; a file that is not UTF-8 or not CSV is refused
    before anything is written."""
    try:
        return import_files.check(lambda: _open(path))
    except import_files.NotCsv as error:
        raise FileRefused(f"{path} is not a UTF-8 CSV file: {error}") from None
    except import_files.BadHeader as error:
        raise FileRefused(f"{path} cannot be imported: {error}.") from None


def _report_writer(path: Path, header: list[str]) -> tuple[IO[str], "csv.DictWriter[str]"]:
    # The report repeats rows with their addresses: readable by the operator only.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    handle = os.fdopen(descriptor, "w", encoding="utf-8", newline="")
    writer = csv.DictWriter(handle, fieldnames=[*header, "line", "reason"], extrasaction="ignore")
    writer.writeheader()
    return handle, writer


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where rejected rows go, each with its reason [default: FILE.rejected.csv].",
)
@click.option(
    "--batch-size",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows per transaction.",
)
def import_command(file: Path, report: Path | None, batch_size: int) -> None:
    """Import people and their consent decisions, with evidence, from a CSV file.

    One row per person and purpose; valid rows are applied in batches, invalid ones are
    written to the report with the reason. Importing the same file again changes nothing.
    Exits 1 when some rows were rejected, 2 when the file cannot be read at all.
    """
    current = settings()
    header, total = _check(file)
    report = report or file.with_name(f"{file.stem}.rejected.csv")
    handle, writer = _report_writer(report, header)
    with registry_sessions(current) as sessions, handle:
        importer = Importer(
            SqlUnitOfWork(sessions),
            actor=_actor(),
            default_locale=current.default_locale,
            secret_keys=(current.secret_key, *current.previous_secret_keys),
            batch_size=batch_size,
        )
        with progress(f"importing {file.name}", total) as advance:

            def rejected(line: int, row: RawRow, reason: str) -> None:
                writer.writerow(
                    {**{k: v for k, v in row.items() if k}, "line": line, "reason": reason}
                )

            counts = importer.run(
                import_files.numbered_rows(lambda: _open(file), header), rejected, advance
            )
    click.echo(
        f"imported {counts.imported}, unchanged {counts.unchanged}, "
        f"rejected {counts.rejected} (of {total} rows; {counts.subjects_created} new subjects)"
    )
    if counts.rejected:
        click.echo(f"rejected rows and their reasons: {report}", err=True)
        sys.exit(EXIT_REJECTED)
