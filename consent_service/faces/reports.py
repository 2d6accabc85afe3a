"""The consent report as an answer, for every face that offers it: the API's
`GET /v1/reports/consents` and the console's `/console/reports/download` (decision 0038)."""

from datetime import datetime
from typing import Any

from flask import Response

from consent_service.adapters.report_store import SqlReportReads
from consent_service.domain.reports import ReportFilters, ReportKind
from consent_service.faces.clock import now
from consent_service.faces.streams import streamed
from consent_service.services.reports import MEDIA_TYPES, ReportFormat, report_chunks


def report_response(filters: ReportFilters, fmt: ReportFormat) -> Response:
    """The report streamed from one snapshot, named for its kind and the time it was asked."""
    stamp = now().strftime("%Y%m%dT%H%M%SZ")
    return streamed(
        lambda registry: report_chunks(SqlReportReads(registry.connection), filters, fmt),
        MEDIA_TYPES[fmt],
        f"consents-{filters.kind}-{stamp}.{fmt}",
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
