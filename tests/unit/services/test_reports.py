"""The report's encoding on an in-memory port: headers, cells a spreadsheet would run, JSON
Lines, and that the rows are written a batch at a time rather than gathered first."""

import csv
import io
import json
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from consent_service.domain.reports import (
    COLUMNS,
    FORMULA_STARTS,
    ReportFilters,
    ReportKind,
    safe_cell,
)
from consent_service.services.reports import ReportFormat, Row, report_chunks

WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SUBJECT = uuid.UUID("00000000-0000-4000-8000-000000000001")


class BatchesOf:
    """The port over given batches; it counts how many were read so far."""

    def __init__(self, *batches: Sequence[Row]) -> None:
        self._batches, self.read = batches, 0
        self.asked: list[ReportFilters] = []

    def batches(self, filters: ReportFilters) -> Iterator[Sequence[Row]]:
        self.asked.append(filters)
        for batch in self._batches:
            self.read += 1
            yield batch

    def count(self, filters: ReportFilters) -> int:
        return sum(len(batch) for batch in self._batches)


def current_row(actor: str = "key_1", source: str = "registration") -> tuple:
    return (SUBJECT, "newsletters", "granted", WHEN, source, "2026-11-01", actor, 3, "ab" * 32)


def test_a_csv_report_is_a_header_then_its_rows_as_text() -> None:
    reads = BatchesOf([current_row()])

    text = b"".join(report_chunks(reads, ReportFilters(), ReportFormat.CSV)).decode()

    [header, *rows] = list(csv.reader(io.StringIO(text)))
    assert tuple(header) == COLUMNS[ReportKind.CURRENT]
    assert rows == [
        [
            str(SUBJECT),
            "newsletters",
            "granted",
            "2026-12-01T09:30:00+00:00",
            "registration",
            "2026-11-01",
            "key_1",
            "3",
            "ab" * 32,
        ]
    ]
    assert text.endswith("\r\n")


def test_cells_a_spreadsheet_would_take_for_formulas_are_written_as_text() -> None:
    hostile = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]
    reads = BatchesOf([current_row(actor=actor) for actor in hostile])

    text = b"".join(report_chunks(reads, ReportFilters(), ReportFormat.CSV)).decode()

    actors = [row["actor"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    assert actors == ["'" + actor for actor in hostile]


@given(st.text())
def test_a_safe_cell_never_starts_a_formula_and_keeps_the_text(text: str) -> None:
    cell = safe_cell(text)
    assert not cell.startswith(FORMULA_STARTS)
    assert cell in (text, "'" + text)


def test_json_lines_have_one_object_per_row_with_the_kinds_columns_and_no_guard() -> None:
    entry = (
        7,
        SUBJECT,
        2,
        "consent",
        "surveys",
        None,
        "granted",
        WHEN,
        "admin",
        None,
        "=actor",
        "00" * 32,
        "11" * 32,
    )
    reads = BatchesOf([entry], [], [entry])
    filters = ReportFilters(kind=ReportKind.LEDGER, purpose="surveys")

    lines = b"".join(report_chunks(reads, filters, ReportFormat.JSONL)).decode().splitlines()

    assert reads.asked == [filters]
    objects = [json.loads(line) for line in lines]
    assert [tuple(o) for o in objects] == [COLUMNS[ReportKind.LEDGER]] * 2
    assert objects[0]["actor"] == "=actor"  # a program reads this, not a spreadsheet
    assert objects[0]["subject_id"] == str(SUBJECT)
    assert objects[0]["recorded_at"] == "2026-12-01T09:30:00+00:00"
    assert objects[0]["previous_status"] is None


def test_each_batch_is_written_before_the_next_is_read() -> None:
    reads = BatchesOf([current_row()], [current_row()], [current_row()])
    chunks = report_chunks(reads, ReportFilters(), ReportFormat.CSV)

    next(chunks)  # the header
    assert reads.read == 0
    next(chunks)
    assert reads.read == 1
    next(chunks)
    assert reads.read == 2
