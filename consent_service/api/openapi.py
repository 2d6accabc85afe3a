"""`GET /openapi.json`: the OpenAPI document, made from the routes (consent_service/openapi)."""

from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify

from consent_service.openapi.document import build_document
from consent_service.openapi.operations import documented, returns

blueprint = Blueprint("openapi", __name__)
DOCUMENT = "consent.openapi"


def document_of(app: Flask) -> dict[str, Any]:
    """The app's document, built once: the routes cannot change while it runs."""
    if DOCUMENT not in app.extensions:
        app.extensions[DOCUMENT] = build_document(app)
    return app.extensions[DOCUMENT]


@blueprint.get("/openapi.json")
@documented(returns(200, {"type": "object"}, "An OpenAPI 3.1 document"))
def openapi() -> Response:
    """This document: every route of the API with every answer it gives."""
    return jsonify(document_of(current_app))
