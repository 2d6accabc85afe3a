"""The purpose catalogue and the versioned privacy policy."""

from flask import Blueprint, Response, current_app, jsonify

from consent_service.adapters.repository import SqlRepository
from consent_service.api.http import client, require
from consent_service.domain.purposes import CATALOGUE
from consent_service.faces.bodies import json_body
from consent_service.faces.clock import now
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.openapi.operations import documented, problem, returns
from consent_service.services.policies import current_policy, list_policies, publish_policy
from consent_service.translations import in_every_locale
from schemas.api.catalogue import PoliciesSchema, PolicyCreateSchema, PolicySchema, PurposesSchema

blueprint = Blueprint("catalogue", __name__)
_policy = PolicySchema()
_policies = PoliciesSchema()
_policy_create = PolicyCreateSchema()


@blueprint.get("/v1/purposes")
@require(None)
@documented(returns(200, PurposesSchema, "The catalogue"))
def purposes() -> Response:
    """Every purpose of the policy, consent-based or not, with its legal basis."""
    double_opt_in = current_app.extensions["consent.settings"].double_opt_in
    return jsonify(
        PurposesSchema().dump(
            {
                "purposes": [
                    {
                        "id": p.id,
                        "title": in_every_locale(p.title),
                        "description": in_every_locale(p.description),
                        "legal_basis": p.legal_basis.value,
                        "channel": p.channel.value,
                        "double_opt_in": p.id in double_opt_in,
                    }
                    for p in CATALOGUE.values()
                ]
            }
        )
    )


@blueprint.get("/v1/policies")
@documented(returns(200, PoliciesSchema, "Every version, each with its documents"))
def policies() -> Response:
    """Every policy version, with its effective date and its documents per locale."""
    with read_only() as registry:
        return jsonify(_policies.dump({"policies": list_policies(registry)}))


@blueprint.get("/v1/policies/current")
@documented(
    returns(200, PolicySchema, "The version in effect"),
    problem(422, "No version is in effect yet."),
)
def policy_current() -> Response:
    """The policy version in effect now."""
    with read_only() as registry:
        return jsonify(_policy.dump(current_policy(registry, now())))


@blueprint.post("/v1/policies")
@require("admin")
@documented(
    returns(201, PolicySchema, "The published version"),
    problem(409, "The version exists already: versions are never edited."),
    problem(422, "The default locale's document is missing."),
    body=PolicyCreateSchema,
)
def policy_publish() -> Response:
    """Publish a policy version with its documents and the date it takes effect."""
    body = json_body(_policy_create)
    default_locale = current_app.extensions["consent.settings"].default_locale

    def work(registry: SqlRepository) -> dict:
        published = publish_policy(
            registry,
            body["version"],
            body["effective_at"],
            body["documents"],
            default_locale,
            now(),
            published_by=client().key_id,
        )
        return _policy.dump(published)

    response = jsonify(in_transaction(work, attempts=1))
    response.status_code = 201
    return response
