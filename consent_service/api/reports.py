"""Reports for auditors: `GET /v1/reports/consents` streams every consent or ledger entry.

The query string is checked in full first (a 422 names the parameter); then the report is
read from one snapshot and sent as it is read (faces/streams.py), so a million rows take the
memory of one batch. Decision 0038.
"""

from datetime import datetime
from typing import Any

from flask import Blueprint, Response

from consent_service.adapters.report_store import SqlReportReads
from consent_service.api.http import require
from consent_service.domain.reports import ReportFilters, ReportKind
from consent_service.faces.bodies import query_args
from consent_service.faces.clock import now
from consent_service.faces.streams import streamed
from consent_service.openapi.operations import Answer, documented
from consent_service.services.reports import MEDIA_TYPES, ReportFormat, report_chunks
from schemas.api.reports import ConsentReportQuerySchema

blueprint = Blueprint("reports", __name__)
_query = ConsentReportQuerySchema()

REPORT = Answer(
    200,
    "The report as an attachment, sent while it is read. `format=csv` (the default): a "
    "header row, then one row per consent or entry; cells a spreadsheet would take for a "
    "formula start with `'`. `format=jsonl`: one JSON object per line with the same keys. "
    "Columns of `kind=current`: subject_id, purpose, status, updated_at, source, "
    "policy_version, actor, version, entry_hash; of `kind=ledger`: entry_id, subject_id, seq, "
    "kind, purpose, previous_status, status, recorded_at, source, policy_version, actor, "
    "prev_hash, hash. No contact data.",
    {
        MEDIA_TYPES[ReportFormat.CSV]: {"type": "string"},
        MEDIA_TYPES[ReportFormat.JSONL]: {"type": "string"},
    },
    {"Content-Disposition": "attachment, with the report's file name"},
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


def report_response(filters: ReportFilters, fmt: ReportFormat) -> Response:
    """The report streamed from one snapshot, named for its kind and the time it was asked."""
    stamp = now().strftime("%Y%m%dT%H%M%SZ")
    return streamed(
        lambda registry: report_chunks(SqlReportReads(registry.connection), filters, fmt),
        MEDIA_TYPES[fmt],
        f"consents-{filters.kind}-{stamp}.{fmt}",
    )


@blueprint.get("/v1/reports/consents")
@require("subjects:read")
@documented(REPORT, query=ConsentReportQuerySchema)
def consent_report() -> Response:
    """Every current consent (`kind=current`) or every ledger entry (`kind=ledger`), filtered,
    streamed as CSV or JSON Lines."""
    query = query_args(_query)
    return report_response(filters_of(query), ReportFormat(query["format"]))
