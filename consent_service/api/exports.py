"""A person's data: its export (GDPR Art. 15 and 20(1)) and its direct transfer (Art. 20(2)).

The export is built by `services/export.py` from both parts; when the mailer's part does not
come in time the answer is 503, never an export without it. A transfer is queued here and
delivered by the relay (`services/transfers.py`); its outcome is in the ledger and in
`GET .../transfers/{transfer_id}`.
"""

import json
import uuid

from flask import Blueprint, Response, jsonify, url_for

from consent_service.api.http import client, require, subject_id_from
from consent_service.faces.bodies import json_body, query_args
from consent_service.faces.clock import now
from consent_service.faces.exports import exporter
from consent_service.faces.problems import Problem
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.openapi.operations import documented, problem, returns
from consent_service.services.export import MailerPartUnavailable, csv_zip
from consent_service.services.transfers import request_transfer, transfer_of
from schemas.api.exports import (
    ExportQuerySchema,
    TransferQueuedSchema,
    TransferRequestSchema,
    TransferSchema,
)

blueprint = Blueprint("exports", __name__)
_query = ExportQuerySchema()
_transfer_request = TransferRequestSchema()
_transfer = TransferSchema()

RETRY_AFTER_SECONDS = 10


def mailer_part_unavailable() -> Problem:
    return Problem(
        503,
        "Mailer part unavailable",
        "The mailer's part is unavailable, retry. Nothing was exported.",
        slug="mailer-part-unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


EXPORT = {
    "type": "object",
    "description": "The export; its JSON Schema is docs/export.schema.json "
    "(`tag:consent-service,2026:export/1`).",
}
NO_SUBJECT = problem(404, "No such subject, or it was erased.")


@blueprint.get("/v1/subjects/<subject_id>/export")
@require("subjects:read")
@documented(
    returns(200, EXPORT, "`format=json` (the default)"),
    returns(
        200,
        {"type": "string", "format": "binary"},
        "`format=csv`: a zip of CSV tables",
        media_type="application/zip",
    ),
    NO_SUBJECT,
    problem(
        503,
        "The mailer's part did not come in time; nothing was exported.",
        headers={"Retry-After": "Seconds to wait before trying again"},
    ),
    query=ExportQuerySchema,
)
def get_export(subject_id: str) -> Response:
    """Everything held about the person: JSON (default) or `format=csv`, a zip of CSV tables."""
    wanted = subject_id_from(subject_id)
    query = query_args(_query)
    try:
        data = exporter().export(wanted)
    except MailerPartUnavailable:
        raise mailer_part_unavailable() from None
    if query["format"] == "csv":
        response = Response(csv_zip(data), mimetype="application/zip")
        response.headers["Content-Disposition"] = f'attachment; filename="subject-{wanted}.zip"'
    else:
        response = Response(json.dumps(data, ensure_ascii=False), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/v1/subjects/<subject_id>/transfers")
@require("subjects:write")
@documented(
    returns(
        202,
        TransferQueuedSchema,
        "Queued; the relay delivers it",
        headers={"Location": "Where the transfer stands"},
    ),
    NO_SUBJECT,
    problem(422, "No recipient is registered under this name."),
    body=TransferRequestSchema,
)
def post_transfer(subject_id: str) -> tuple[Response, int, dict[str, str]]:
    """Queue a direct transfer of the export to a registered recipient (202)."""
    wanted = subject_id_from(subject_id)
    body = json_body(_transfer_request)
    moment, requested_by = now(), client().name
    row = in_transaction(
        lambda registry: request_transfer(registry, wanted, body["recipient"], requested_by, moment)
    )
    location = url_for(".get_transfer", subject_id=wanted, transfer_id=row.id)
    return jsonify({"transfer_id": str(row.id), "status": row.status}), 202, {"Location": location}


@blueprint.get("/v1/subjects/<subject_id>/transfers/<transfer_id>")
@require("subjects:read")
@documented(returns(200, TransferSchema, "The transfer"), problem(404, "No such transfer."))
def get_transfer(subject_id: str, transfer_id: str) -> Response:
    """Where a transfer stands: pending (with its attempts so far), delivered or failed."""
    wanted = subject_id_from(subject_id)
    try:
        transfer = uuid.UUID(transfer_id)
    except ValueError:
        transfer = None
    with read_only() as registry:
        row = transfer_of(registry, wanted, transfer) if transfer is not None else None
    if row is None:
        raise Problem(
            404, "Transfer not found", f"No transfer {transfer_id!r}.", slug="transfer-not-found"
        )
    return jsonify(
        _transfer.dump(
            {
                "transfer_id": row.id,
                "subject_id": row.subject_id,
                "recipient": row.recipient,
                "status": row.status,
                "attempts": row.attempts,
                "requested_at": row.created_at,
                "finished_at": row.finished_at,
                "last_error": row.last_error,
            }
        )
    )
