"""The OpenAPI 3.1 document, built from the same marshmallow schemas the routes use."""

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Response, jsonify

from schemas.api.campaigns import (
    CampaignCreatedSchema,
    CampaignCreateSchema,
    CampaignSchema,
    CampaignsSchema,
    RunStartedSchema,
)
from schemas.api.catalogue import (
    PoliciesSchema,
    PolicyCreateSchema,
    PolicySchema,
    ProblemSchema,
    PurposesSchema,
)
from schemas.api.consents import ConsentRequestSchema, ConsentSetSchema
from schemas.api.exports import TransferRequestSchema, TransferSchema
from schemas.api.forms import FormCreateSchema, FormSchema, FormsSchema, FormSubmissionSchema
from schemas.api.keys import KeySchema, KeysSchema
from schemas.api.subjects import HistorySchema, SubjectPatchSchema, SubjectSchema
from schemas.api.sync import SubjectIdsSchema, VersionsRequestSchema, VersionsSchema
from schemas.api.webhooks import SendGridEventSchema, WebhookReceiptSchema

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


CAMPAIGN_SCHEMAS = {
    "CampaignCreate": CampaignCreateSchema,
    "CampaignCreated": CampaignCreatedSchema,
    "Campaign": CampaignSchema,
    "Campaigns": CampaignsSchema,
    "RunStarted": RunStartedSchema,
}


CREATE_CAMPAIGN = (
    "Needs an API key with scope `campaigns:write`. Every template is rendered once with sample"
    " values: one that fails, takes longer than 2 s, needs more than 512 MB or comes out over"
    " 1,000,000 bytes is refused (422, under `errors.content.<locale>.<part>`). The answer's"
    " `warnings` name each locale that recipients of the purpose use and the content has no"
    " version in: those recipients will get the `DEFAULT_LOCALE` version."
)


def _campaign_paths() -> dict[str, Any]:
    campaign_id = {
        "name": "campaign_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    status = {
        "name": "status",
        "in": "query",
        "schema": {"type": "string", "enum": ["scheduled", "paused", "cancelled", "completed"]},
    }
    paths: dict[str, Any] = {
        "/v1/campaigns": {
            "post": _operation(
                "Create a campaign",
                "campaigns:write",
                (201, "CampaignCreated"),
                body="CampaignCreate",
            )
            | {"description": CREATE_CAMPAIGN},
            "get": _operation(
                "Every campaign, newest first",
                "campaigns:read",
                (200, "Campaigns"),
                errors=(400,),
                parameters=[status],
            ),
        },
        "/v1/campaigns/{campaign_id}": {
            "get": _operation(
                "A campaign with its runs and their counts",
                "campaigns:read",
                (200, "Campaign"),
                errors=(404,),
                parameters=[campaign_id],
            )
        },
        "/v1/campaigns/{campaign_id}/runs": {
            "post": _operation(
                "Start a run now",
                "campaigns:write",
                (202, "RunStarted"),
                errors=(404, 409),
                parameters=[campaign_id],
            )
        },
    }
    for action in ("pause", "resume", "cancel"):
        paths[f"/v1/campaigns/{{campaign_id}}/{action}"] = {
            "post": _operation(
                f"{action.capitalize()} the campaign",
                "campaigns:write",
                (200, "Campaign"),
                errors=(404, 409),
                parameters=[campaign_id],
            )
        }
    return paths


FENCE_SCHEMAS = {
    "SubjectIds": SubjectIdsSchema,
    "VersionsRequest": VersionsRequestSchema,
    "Versions": VersionsSchema,
}
HTML_PAGE = {"text/html": {"schema": {"type": "string"}}}


def _page(summary: str, errors: tuple[int, ...], form: bool = False) -> dict[str, Any]:
    """A public page reached by a signed token (no key); every answer is an HTML page."""
    responses = {"200": {"description": "An HTML page", "content": HTML_PAGE}}
    for code in errors:
        responses[str(code)] = {"description": "An HTML page saying why", "content": HTML_PAGE}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    operation["parameters"] = [
        {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    if form:
        one_click = {
            "type": "object",
            "properties": {"List-Unsubscribe": {"type": "string", "enum": ["One-Click"]}},
        }
        operation["requestBody"] = {
            "required": False,
            "content": {
                "application/x-www-form-urlencoded": {"schema": one_click},
                "multipart/form-data": {"schema": one_click},
            },
        }
    return operation


def _fence_and_link_paths() -> dict[str, Any]:
    return {
        "/v1/sync/versions": {
            "post": _operation(
                "Current version of each named subject (send-time fence)",
                "sync:read",
                (200, "Versions"),
                body="VersionsRequest",
            )
        },
        "/v1/sync/subjects": {
            "post": _operation(
                "The named subjects as a bucket lists them (send-time fence)",
                "sync:read",
                (200, None),
                body="SubjectIds",
            )
        },
        "/confirm/{token}": {
            "get": _page("Double opt-in page: the pending purposes and a button", (400, 404)),
            "post": _page("Grant every pending purpose (double opt-in)", (400, 404)),
        },
        "/u/{token}": {
            "get": _page("Unsubscribe page: the purpose and a button", (400, 404)),
            "post": _page(
                "Withdraw the link's purpose; `List-Unsubscribe=One-Click` is RFC 8058 "
                "one-click (200, also for a subject no longer held)",
                (400, 404),
                form=True,
            ),
        },
    }


KEY_SCHEMAS = {"Key": KeySchema, "Keys": KeysSchema}


def _key_paths() -> dict[str, Any]:
    """API keys: listed by prefix, revoked at the next request in every process (0020)."""
    key_id = {"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}}
    revoke = _operation("Revoke a key", "admin", (204, None), errors=(404,), parameters=[key_id])
    return {
        "/v1/keys": {"get": _operation("Every API key, never its secret", "admin", (200, "Keys"))},
        "/v1/keys/{key_id}": {"delete": revoke},
    }


FORM_SCHEMAS = {
    "FormCreate": FormCreateSchema,
    "Form": FormSchema,
    "Forms": FormsSchema,
    "FormSubmission": FormSubmissionSchema,
}


def _form_paths() -> dict[str, Any]:
    """Sign-up forms: defined with an admin key, filled in by anyone (decision 0016)."""
    form_id = {"name": "form_id", "in": "path", "required": True, "schema": {"type": "string"}}
    signup = _page("A submission (urlencoded: HTML page; JSON: 202 or a problem)", (403, 404, 422))
    signup["parameters"] = [form_id]
    signup["requestBody"] = {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
            "application/json": {"schema": "FormSubmission"},
        },
    }
    pages = {}
    for summary in ("The hosted sign-up page", "The HTML snippet to embed, in a <pre>"):
        pages[summary] = _page(summary, (404,))
        pages[summary]["parameters"] = [form_id]
    return {
        "/v1/forms": {
            "post": _operation(
                "Define a sign-up form", "admin", (201, "Form"), body="FormCreate", errors=(409,)
            ),
            "get": _operation("Every sign-up form", "admin", (200, "Forms")),
        },
        "/v1/forms/{form_id}": {
            "get": _operation(
                "One sign-up form", "admin", (200, "Form"), errors=(404,), parameters=[form_id]
            )
        },
        "/f/{form_id}": {"get": pages["The hosted sign-up page"], "post": signup},
        "/f/{form_id}/embed": {"get": pages["The HTML snippet to embed, in a <pre>"]},
    }


WEBHOOK_SCHEMAS = {"SendGridEvent": SendGridEventSchema, "WebhookReceipt": WebhookReceiptSchema}


def _webhook_paths() -> dict[str, Any]:
    """SendGrid's event webhook: authenticated by its ECDSA signature, not by a key."""
    signed = [
        {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
        for name in (
            "X-Twilio-Email-Event-Webhook-Signature",
            "X-Twilio-Email-Event-Webhook-Timestamp",
        )
    ]
    operation = _operation(
        "SendGrid event webhook: hard bounces and invalid addresses are suppressed, spam "
        "reports withdraw every email purpose, unsubscribes the campaign's purpose",
        None,
        (200, "WebhookReceipt"),
        errors=(400, 403, 413, 422),
        parameters=signed,
    )
    operation["description"] = (
        "Signed by SendGrid (ECDSA P-256, SHA-256) over the timestamp header followed by the "
        "raw body; a missing or bad signature, or a timestamp over 5 minutes off, is 403."
    )
    operation["requestBody"] = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/SendGridEvent"}}
            }
        },
    }
    return {"/v1/webhooks/sendgrid": {"post": operation}}


EXPORT_SCHEMAS = {"TransferRequest": TransferRequestSchema, "Transfer": TransferSchema}


def _export_paths() -> dict[str, Any]:
    """Export (its JSON Schema is docs/export.schema.json) and direct transfers."""
    export = _operation(
        "Everything held about the subject, from the registry and the mailer",
        "subjects:read",
        (200, None),
        errors=(404, 422, 503),
        parameters=[
            SUBJECT_ID,
            {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}},
        ],
    )
    export["responses"]["200"]["content"] = {
        "application/json": {"schema": {"type": "object", "description": "docs/export.md"}},
        "application/zip": {"schema": {"type": "string", "format": "binary"}},
    }
    transfer_id = {
        "name": "transfer_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    return {
        "/v1/subjects/{subject_id}/export": {"get": export},
        "/v1/subjects/{subject_id}/transfers": {
            "post": _operation(
                "Send the JSON export to a registered recipient, signed (202; an unknown "
                "recipient is 422)",
                "subjects:write",
                (202, None),
                body="TransferRequest",
                errors=(404,),
                parameters=[SUBJECT_ID],
            )
        },
        "/v1/subjects/{subject_id}/transfers/{transfer_id}": {
            "get": _operation(
                "Where a transfer stands: pending, delivered or failed",
                "subjects:read",
                (200, "Transfer"),
                errors=(404,),
                parameters=[SUBJECT_ID, transfer_id],
            )
        },
    }


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
        "SubjectPatch": SubjectPatchSchema,
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
                errors=(400, 404, 422),
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
            ),
            "patch": _operation(
                "Rectify email, locale, name or external id (an address held by another "
                "subject, or suppressed as bouncing or invalid, is 409)",
                "subjects:write",
                (200, "Subject"),
                body="SubjectPatch",
                errors=(404, 409),
                parameters=[SUBJECT_ID],
            ),
            "delete": _operation(
                "Erase the subject: contact data removed, ledger pseudonymised, the mailer "
                "told; then 404 everywhere",
                "subjects:write",
                (204, None),
                errors=(404,),
                parameters=[SUBJECT_ID],
            ),
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
                "sync:read",
                (200, None),
            )
        },
        "/v1/sync/buckets/{bucket}": {
            "get": _operation(
                "Every subject of one bucket (mailer catch-up)",
                "sync:read",
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
    for name, schema in CAMPAIGN_SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    paths |= _campaign_paths()
    for name, schema in FENCE_SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    paths |= _fence_and_link_paths()
    for name, schema in WEBHOOK_SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    paths |= _webhook_paths()
    for name, schema in EXPORT_SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    paths |= _export_paths()
    for name, schema in FORM_SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    paths |= _form_paths()
    for name, schema in KEY_SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    paths |= _key_paths()
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return jsonify(build_spec())
