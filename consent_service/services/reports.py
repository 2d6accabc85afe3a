"""The consent report as a stream of encoded chunks, read through a small port.

A report may hold millions of rows, so nothing here holds more than one batch: the port yields
rows in batches as a server-side cursor hands them over (adapters/report_store.py), and each
batch becomes one chunk of CSV or JSON Lines, written to the client before the next is read.
Memory stays flat whatever the size of the report (bench/consent_report.py).
"""

import csv
import io
import json
import uuid
from collections.abc import Generator, Iterable, Iterator, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from consent_service.domain.reports import COLUMNS, ReportFilters, safe_cell

Row = Sequence[Any]
"""One report row: its values in the order of `COLUMNS[kind]`."""


class ReportReads(Protocol):
    """Where the report's rows come from: one consistent snapshot of the registry."""

    def batches(self, filters: ReportFilters) -> Iterator[Sequence[Row]]:
        """The rows the filters select, in a stable order, a batch at a time."""
        ...

    def count(self, filters: ReportFilters) -> int:
        """How many rows `batches` yields: read in the same snapshot, so the two agree."""
        ...


class ReportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


MEDIA_TYPES = {ReportFormat.CSV: "text/csv", ReportFormat.JSONL: "application/jsonl"}


def report_chunks(
    reads: ReportReads, filters: ReportFilters, fmt: ReportFormat
) -> Generator[bytes]:
    """The report, encoded: for CSV a header row first (also when no row matches), then one
    chunk per batch of rows."""
    columns = COLUMNS[filters.kind]
    if fmt is ReportFormat.CSV:
        yield _csv([columns])
        for batch in reads.batches(filters):
            yield _csv([[_cell(value) for value in row] for row in batch])
    else:
        for batch in reads.batches(filters):
            yield _json_lines(columns, batch)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _cell(value: Any) -> Any:
    plain = _plain(value)
    return safe_cell(plain) if isinstance(plain, str) else plain


def _csv(rows: Iterable[Iterable[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)  # RFC 4180 line ends
    return buffer.getvalue().encode()


def _json_lines(columns: Sequence[str], batch: Sequence[Row]) -> bytes:
    lines = (
        json.dumps(dict(zip(columns, map(_plain, row), strict=True)), ensure_ascii=False)
        for row in batch
    )
    return ("\n".join(lines) + "\n").encode() if batch else b""
