"""Subjects: reading them and their ledger history, rectifying and erasing them."""

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from consent_service.adapters.record_context import record_context
from consent_service.adapters.repository import SqlRepository
from consent_service.api.http import client, require, subject_id_from
from consent_service.api.serialize import history_body, subject_body
from consent_service.domain.consent import Source
from consent_service.domain.emails import email_key
from consent_service.faces.bodies import json_body, query_args
from consent_service.faces.clock import now
from consent_service.faces.problems import Problem
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.openapi.operations import documented, empty, problem, returns
from consent_service.services.changes import ConfirmLinks
from consent_service.services.consent_records import consent_records, records_document
from consent_service.services.erasure import Erasure, erase
from consent_service.services.subject_changes import Rectification, rectify
from consent_service.services.views import find_subject_by_email, get_subject, history
from plumbing.db import scrub_sqlite
from schemas.api.consent_records import ConsentRecordsSchema
from schemas.api.subjects import (
    HistorySchema,
    SubjectLookupSchema,
    SubjectPatchSchema,
    SubjectSchema,
)

blueprint = Blueprint("subjects", __name__)
_patch = SubjectPatchSchema()
_lookup = SubjectLookupSchema()


JSON_LD = "application/ld+json"
NOT_FOUND = problem(404, "No such subject, or it was erased.")


@blueprint.get("/v1/subjects/<subject_id>")
@require("subjects:read")
@documented(returns(200, SubjectSchema, "The subject with its consents"), NOT_FOUND)
def get_one(subject_id: str) -> Response:
    """A subject and its current consents."""
    with read_only() as registry:
        return jsonify(subject_body(get_subject(registry, subject_id_from(subject_id))))


@blueprint.get("/v1/subjects")
@require("subjects:read")
@documented(
    returns(200, SubjectSchema, "The subject with its consents"),
    problem(400, "No `email` given."),
    problem(404, "No subject has this address."),
    query=SubjectLookupSchema,
)
def find_by_email() -> Response:
    """Lookup by address, case-insensitively on the whole address."""
    email = query_args(_lookup)["email"].strip()
    if not email:
        raise Problem(
            400, "Missing email", "Give ?email= to look a subject up.", slug="missing-email"
        )
    with read_only() as registry:
        return jsonify(subject_body(find_subject_by_email(registry, email_key(email))))


@blueprint.get("/v1/subjects/<subject_id>/history")
@require("subjects:read")
@documented(returns(200, HistorySchema, "The ledger entries"), NOT_FOUND)
def get_history(subject_id: str) -> Response:
    """The subject's ledger entries, oldest first, each with its chain hash."""
    wanted = subject_id_from(subject_id)
    with read_only() as registry:
        return jsonify(history_body(wanted, history(registry, wanted)))


@blueprint.get("/v1/subjects/<subject_id>/consent-record")
@require("subjects:read")
@documented(
    returns(
        200,
        ConsentRecordsSchema,
        "One ISO/IEC TS 27560 consent record per purpose with a consent history, in the DPV "
        "profile https://w3id.org/dpv/schema/dpv-27560#record (docs/consent-records.md)",
        media_type=JSON_LD,
    ),
    NOT_FOUND,
)
def get_consent_records(subject_id: str) -> Response:
    """The subject's consent records as one JSON-LD document (`@graph`), built from the ledger;
    each event carries its ledger entry's chain hash."""
    wanted = subject_id_from(subject_id)
    context = record_context(current_app.extensions["consent.settings"])
    with read_only() as registry:
        records = consent_records(registry, wanted, context)
    body = records_document(records)
    response = Response(json.dumps(body, ensure_ascii=False), mimetype=JSON_LD)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.patch("/v1/subjects/<subject_id>")
@require("subjects:write")
@documented(
    returns(200, SubjectSchema, "The subject as GET shows it"),
    NOT_FOUND,
    problem(
        409,
        "The address is another subject's (case-insensitively), or suppressed as bouncing or "
        "invalid; nothing is changed.",
    ),
    body=SubjectPatchSchema,
)
def patch_one(subject_id: str) -> Response:
    """Rectify email, locale, name or external id; 200 with the subject as GET shows it."""
    body = json_body(_patch)
    wanted = subject_id_from(subject_id)
    settings = current_app.extensions["consent.settings"]
    context = Rectification(Source.ADMIN.value, client().key_id, now())

    def work(registry: SqlRepository) -> dict[str, Any]:
        rectify(
            registry,
            wanted,
            body,
            context,
            suppression_keys=(settings.secret_key, *settings.previous_secret_keys),
            links=ConfirmLinks(settings.secret_key, settings.public_base_url),
        )
        return subject_body(get_subject(registry, wanted))

    return jsonify(in_transaction(work))


@blueprint.delete("/v1/subjects/<subject_id>")
@require("subjects:write")
@documented(
    empty(204, "Erased: contact data removed, ledger pseudonymised, mailer told"), NOT_FOUND
)
def delete_one(subject_id: str) -> Response:
    """Erase the subject (204); from then on it is 404 everywhere."""
    wanted = subject_id_from(subject_id)
    settings = current_app.extensions["consent.settings"]
    context = Erasure(Source.ADMIN.value, client().key_id, now())
    in_transaction(lambda registry: erase(registry, wanted, context, settings.secret_key))
    scrub_sqlite(current_app.extensions["consent.engine"])
    return Response(status=204)
