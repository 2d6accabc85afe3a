"""The OpenAPI 3.1 document, built from the same marshmallow schemas the routes use."""

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Response, jsonify

from schemas.api.catalogue import (
    PoliciesSchema,
    PolicyCreateSchema,
    PolicySchema,
    ProblemSchema,
    PurposesSchema,
)
from schemas.api.consents import ConsentRequestSchema, ConsentSetSchema
from schemas.api.subjects import HistorySchema, SubjectSchema

blueprint = Blueprint("openapi", __name__)

PROBLEM = {"application/problem+json": {"schema": "Problem"}}
SUBJECT_ID = {
    "name": "subject_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}


def _operation(
    summary: str,
    scope: str | None,
    ok: tuple[int, str | None],
    body: str | None = None,
    errors: tuple[int, ...] = (),
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    status, schema = ok
    responses: dict[str, Any] = {
        str(status): {"description": "Success"}
        | ({"content": {"application/json": {"schema": schema}}} if schema else {})
    }
    codes = (
        set(errors) | ({401, 403} if scope else set()) | ({400, 413, 415, 422} if body else set())
    )
    for code in sorted(codes):
        responses[str(code)] = {"description": "Problem", "content": PROBLEM}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if scope is not None:
        operation["security"] = [{"apiKey": []}]
        operation["description"] = (
            f"Needs an API key{' with scope `' + scope + '`' if scope != '*' else ''}."
        )
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    if parameters:
        operation["parameters"] = parameters
    return operation


def build_spec() -> dict[str, Any]:
    spec = APISpec(
        title="Consent service",
        version="1",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={"description": "Purpose-level consent registry (see SPEC.md)."},
    )
    spec.components.security_scheme("apiKey", {"type": "http", "scheme": "bearer"})
    for name, schema in {
        "Problem": ProblemSchema,
        "ConsentRequest": ConsentRequestSchema,
        "ConsentSet": ConsentSetSchema,
        "Subject": SubjectSchema,
        "History": HistorySchema,
        "Purposes": PurposesSchema,
        "Policy": PolicySchema,
        "Policies": PoliciesSchema,
        "PolicyCreate": PolicyCreateSchema,
    }.items():
        spec.components.schema(name, schema=schema)
    idem = {
        "name": "Idempotency-Key",
        "in": "header",
        "schema": {"type": "string", "maxLength": 255},
    }
    email = {"name": "email", "in": "query", "required": True, "schema": {"type": "string"}}
    purpose = {"name": "purpose", "in": "path", "required": True, "schema": {"type": "string"}}
    paths = {
        "/v1/purposes": {"get": _operation("The purpose catalogue", "*", (200, "Purposes"))},
        "/v1/consents": {
            "post": _operation(
                "Record a form's decisions",
                "consents:write",
                (201, "Subject"),
                body="ConsentRequest",
                parameters=[idem],
            )
        },
        "/v1/subjects": {
            "get": _operation(
                "Find a subject by email",
                "subjects:read",
                (200, "Subject"),
                errors=(400, 404),
                parameters=[email],
            )
        },
        "/v1/subjects/{subject_id}": {
            "get": _operation(
                "A subject and its consents",
                "subjects:read",
                (200, "Subject"),
                errors=(404,),
                parameters=[SUBJECT_ID],
            )
        },
        "/v1/subjects/{subject_id}/consents/{purpose}": {
            "put": _operation(
                "Grant or withdraw one purpose",
                "consents:write",
                (200, "Subject"),
                body="ConsentSet",
                errors=(404,),
                parameters=[SUBJECT_ID, purpose],
            )
        },
        "/v1/subjects/{subject_id}/history": {
            "get": _operation(
                "The subject's ledger entries",
                "subjects:read",
                (200, "History"),
                errors=(404,),
                parameters=[SUBJECT_ID],
            )
        },
        "/v1/policies": {
            "get": _operation("Every policy version", None, (200, "Policies")),
            "post": _operation(
                "Publish a policy version",
                "admin",
                (201, "Policy"),
                body="PolicyCreate",
                errors=(409,),
            ),
        },
        "/v1/policies/current": {
            "get": _operation("The policy in effect", None, (200, "Policy"), errors=(422,))
        },
        "/v1/sync/digest": {
            "get": _operation(
                "Per-bucket digests of every subject (mailer catch-up)",
                "subjects:read",
                (200, None),
            )
        },
        "/v1/sync/buckets/{bucket}": {
            "get": _operation(
                "Every subject of one bucket (mailer catch-up)",
                "subjects:read",
                (200, None),
                errors=(404,),
                parameters=[
                    {"name": "bucket", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
            )
        },
        "/metrics": {
            "get": _operation("Prometheus metrics (outbox lag, broker)", None, (200, None))
        },
        "/healthz": {"get": _operation("Liveness", None, (200, None))},
        "/readyz": {"get": _operation("Readiness", None, (200, None), errors=(503,))},
    }
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return jsonify(build_spec())
