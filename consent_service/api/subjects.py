"""Reading subjects and their ledger history."""

from flask import Blueprint, Response, jsonify, request

from consent_service.api.http import read_only, require, subject_id_from
from consent_service.api.problems import Problem
from consent_service.api.serialize import history_body, subject_body
from consent_service.domain.emails import email_key
from consent_service.services.views import find_subject_by_email, get_subject, history

blueprint = Blueprint("subjects", __name__)


@blueprint.get("/v1/subjects/<subject_id>")
@require("subjects:read")
def get_one(subject_id: str) -> Response:
    with read_only() as registry:
        return jsonify(subject_body(get_subject(registry, subject_id_from(subject_id))))


@blueprint.get("/v1/subjects")
@require("subjects:read")
def find_by_email() -> Response:
    """Lookup by address, case-insensitively on the whole address."""
    email = request.args.get("email", "").strip()
    if not email:
        raise Problem(
            400, "Missing email", "Give ?email= to look a subject up.", slug="missing-email"
        )
    with read_only() as registry:
        return jsonify(subject_body(find_subject_by_email(registry, email_key(email))))


@blueprint.get("/v1/subjects/<subject_id>/history")
@require("subjects:read")
def get_history(subject_id: str) -> Response:
    """The subject's ledger entries, oldest first, each with its chain hash."""
    wanted = subject_id_from(subject_id)
    with read_only() as registry:
        return jsonify(history_body(wanted, history(registry, wanted)))
