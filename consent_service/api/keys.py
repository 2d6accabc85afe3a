"""API keys (`admin`): list them, revoke one (SPEC section 9)."""

from dataclasses import asdict

from flask import Blueprint, Response, jsonify

from consent_service.api.http import require
from consent_service.faces.clock import now
from consent_service.faces.problems import Problem
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.openapi.operations import documented, empty, problem, returns
from consent_service.services import api_keys
from schemas.api.keys import KeysSchema

blueprint = Blueprint("keys_api", __name__)
_keys = KeysSchema()


@blueprint.errorhandler(api_keys.KeyNotFound)
def _not_found(error: api_keys.KeyNotFound) -> Response:
    return Problem(404, "Key not found", error.message, slug="key-not-found").response()


@blueprint.get("/v1/keys")
@require("admin")
@documented(returns(200, KeysSchema, "The keys, never their secrets"))
def list_keys() -> Response:
    """Every API key, revoked ones included, each with the prefix that lets a person know it."""
    with read_only() as registry:
        found = api_keys.list_keys(registry)
    return jsonify(_keys.dump({"keys": [asdict(key) for key in found]}))


@blueprint.delete("/v1/keys/<key_id>")
@require("admin")
@documented(empty(204, "Revoked"), problem(404, "No such key."))
def revoke_key(key_id: str) -> Response:
    """Revoke the key; every process refuses it from its next request on (204)."""
    in_transaction(lambda registry: api_keys.revoke_key(registry, key_id, now()))
    return Response(status=204)
