"""Reports for auditors: `GET /v1/reports/consents` streams every consent or ledger entry.

The query string is checked in full first (a 422 names the parameter); then the report is
read from one snapshot and sent as it is read (faces/streams.py), so a million rows take the
memory of one batch. Decision 0038.
"""

from flask import Blueprint, Response

from consent_service.api.http import require
from consent_service.faces.bodies import query_args
from consent_service.faces.reports import filters_of, report_response
from consent_service.openapi.operations import Answer, documented
from consent_service.services.reports import MEDIA_TYPES, ReportFormat
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


@blueprint.get("/v1/reports/consents")
@require("subjects:read")
@documented(REPORT, query=ConsentReportQuerySchema)
def consent_report() -> Response:
    """Every current consent (`kind=current`) or every ledger entry (`kind=ledger`), filtered,
    streamed as CSV or JSON Lines."""
    query = query_args(_query)
    return report_response(filters_of(query), ReportFormat(query["format"]))
