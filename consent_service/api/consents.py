"""Recording consent: form submissions and single-purpose changes."""

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from consent_service.adapters.repository import SqlRepository
from consent_service.api.http import client, require, subject_id_from
from consent_service.api.serialize import subject_body
from consent_service.domain.consent import ConsentStatus
from consent_service.faces.bodies import json_body
from consent_service.faces.clock import now
from consent_service.faces.problems import Problem
from consent_service.faces.transactions import in_transaction
from consent_service.openapi.operations import documented, header, problem, returns
from consent_service.services.changes import ConfirmLinks
from consent_service.services.consents import (
    Decisions,
    change_context,
    record_decisions,
    set_consent,
)
from consent_service.services.idempotency import MAX_KEY_LENGTH, replay_or_run
from schemas.api.consents import ConsentRequestSchema, ConsentSetSchema
from schemas.api.subjects import SubjectSchema

blueprint = Blueprint("consents", __name__)
_consent_request = ConsentRequestSchema()
_consent_set = ConsentSetSchema()


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip().strip('"')
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Problem(
            400,
            "Bad Idempotency-Key",
            f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable characters.",
            slug="bad-idempotency-key",
        )
    return key


def _request_hash() -> str:
    canonical = json.dumps(
        json.loads(request.get_data(cache=True)), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


REPLAYED = {"Idempotent-Replayed": "`true` when this is the stored answer to an earlier request"}


@blueprint.post("/v1/consents")
@require("consents:write")
@documented(
    returns(201, SubjectSchema, "The subject was new", headers=REPLAYED),
    returns(200, SubjectSchema, "The subject was known", headers=REPLAYED),
    problem(400, "The Idempotency-Key is not 1 to 255 printable characters."),
    problem(409, "The address was erased, and the source is `import`: nothing is created."),
    problem(422, "The Idempotency-Key was used before with another body."),
    body=ConsentRequestSchema,
    parameters=(
        header(
            "Idempotency-Key",
            "A retry with the same key and body gets the first answer; nothing is written twice.",
            type="string",
            maxLength=MAX_KEY_LENGTH,
        ),
    ),
)
def post_consents() -> Response:
    """Record a form's decisions; 201 when the subject is new, 200 otherwise.

    Creates the subject if the address is new (case-insensitively on the whole address).
    """
    body = json_body(_consent_request)
    settings = current_app.extensions["consent.settings"]
    subject = body["subject"]
    decisions = Decisions(
        email=subject["email"],
        locale=subject.get("locale"),
        external_id=subject.get("external_id"),
        name=subject.get("name"),
        attributes=subject.get("attributes"),
        purposes=body["purposes"],
        source=body["source"],
        policy_version=body.get("policy_version"),
        evidence=body.get("evidence"),
        actor=client().key_id,
    )
    key = _idempotency_key()

    def record(registry: SqlRepository) -> tuple[int, dict[str, Any], Any]:
        view, created = record_decisions(
            registry,
            decisions,
            default_locale=settings.default_locale,
            double_opt_in=settings.double_opt_in,
            now=now(),
            links=ConfirmLinks(settings.secret_key, settings.public_base_url),
            suppression_keys=(settings.secret_key, *settings.previous_secret_keys),
        )
        return (201 if created else 200), subject_body(view), view.subject_id

    def work(registry: SqlRepository) -> tuple[int, dict[str, Any], bool]:
        if key is None:
            status, answer, _ = record(registry)
            return status, answer, False
        return replay_or_run(
            registry,
            api_key_id=client().key_id,
            key=key,
            request_hash=_request_hash(),
            run=lambda: record(registry),
            now=now(),
        )

    status, answer, replayed = in_transaction(work)
    response = jsonify(answer)
    response.status_code = status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@blueprint.put("/v1/subjects/<subject_id>/consents/<purpose>")
@require("consents:write")
@documented(
    returns(200, SubjectSchema, "The subject with its consents"),
    problem(404, "No such subject."),
    problem(422, "The purpose is unknown, or not one that rests on consent."),
    body=ConsentSetSchema,
)
def put_consent(subject_id: str, purpose: str) -> Response:
    """Grant or withdraw one purpose of one subject."""
    body = json_body(_consent_set)
    settings = current_app.extensions["consent.settings"]
    wanted_subject = subject_id_from(subject_id)

    def work(registry: SqlRepository) -> dict[str, Any]:
        context = change_context(
            registry,
            source=body["source"],
            actor=client().key_id,
            now=now(),
            policy_version=body.get("policy_version"),
            evidence=body.get("evidence"),
        )
        view = set_consent(
            registry,
            wanted_subject,
            purpose,
            ConsentStatus(body["status"]),
            context,
            settings.double_opt_in,
            links=ConfirmLinks(settings.secret_key, settings.public_base_url),
        )
        return subject_body(view)

    return jsonify(in_transaction(work))
