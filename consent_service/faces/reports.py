"""The consent report as an answer, for every face that offers it: the API's
`GET /v1/reports/consents` and the console's `/console/reports/download` (decision 0038)."""

from datetime import datetime
from typing import Any

from flask import Response

from consent_service.adapters.report_store import SqlReportReads
from consent_service.adapters.repository import SqlRepository
from consent_service.domain.reports import ReportFilters, ReportKind
from consent_service.faces.clock import now
from consent_service.faces.streams import streamed
from consent_service.services.reports import MEDIA_TYPES, ReportFormat, report_chunks

ROWS_HEADER = "X-Report-Rows"
"""How many rows the report holds, counted in its snapshot before the first byte: the
console's download shows its progress against it."""


def report_response(
    filters: ReportFilters, fmt: ReportFormat, *, counted: bool = False
) -> Response:
    """The report streamed from one snapshot, named for its kind and the time it was asked;
    `counted` adds its number of rows (one more query over the same rows, so only the console,
    which shows progress, asks for it)."""
    stamp = now().strftime("%Y%m%dT%H%M%SZ")

    def row_count(registry: SqlRepository) -> dict[str, str]:
        return {ROWS_HEADER: str(SqlReportReads(registry.connection).count(filters))}

    return streamed(
        lambda registry: report_chunks(SqlReportReads(registry.connection), filters, fmt),
        MEDIA_TYPES[fmt],
        f"consents-{filters.kind}-{stamp}.{fmt}",
        row_count if counted else None,
    )


def filters_of(query: dict[str, Any]) -> ReportFilters:
    """The filters a loaded query string (schemas/api/reports.py) asks for."""

    def optional(name: str) -> str | None:
        value = query.get(name)
        return value if isinstance(value, str) else None

    def instant(name: str) -> datetime | None:
        value = query.get(name)
        return value if isinstance(value, datetime) else None

    return ReportFilters(
        kind=ReportKind(query["kind"]),
        purpose=optional("purpose"),
        status=optional("status"),
        source=optional("source"),
        policy_version=optional("policy_version"),
        since=instant("since"),
        until=instant("until"),
    )
