"""Email layouts: create, list, read and replace (SPEC sections 7 and 9).

Layouts belong to campaigns' work, so they need the campaigns' scopes: `campaigns:read` to
see them, `campaigns:write` to change them (decision 0032).
"""

import uuid
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from consent_service.adapters.repository import SqlRepository
from consent_service.api.http import require
from consent_service.config import Settings
from consent_service.domain.layouts import InvalidLayout, Layout, LayoutNotFound
from consent_service.faces.bodies import json_body
from consent_service.faces.clock import now
from consent_service.faces.problems import Problem, invalid_body
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.openapi.operations import documented, problem, returns
from consent_service.services import layouts
from schemas.api.layouts import LayoutSchema, LayoutsSchema, LayoutWriteSchema

blueprint = Blueprint("layouts", __name__)
_write = LayoutWriteSchema()
_layout = LayoutSchema()
NOT_FOUND = problem(404, "No such layout.")
INVALID = problem(
    422,
    "The layout is refused: `errors.versions.<locale>.<field>` names each value that is "
    "missing or unfit (an empty legal name or postal address, a logo that is not an "
    "http(s) address), and a missing default-locale version.",
)


@blueprint.errorhandler(LayoutNotFound)
def _not_found(error: LayoutNotFound) -> Response:
    return Problem(404, "Layout not found", error.message, slug="layout-not-found").response()


@blueprint.errorhandler(InvalidLayout)
def _invalid(error: InvalidLayout) -> Response:
    return invalid_body(error.errors, error.message).response()


def _settings() -> Settings:
    return current_app.extensions["consent.settings"]


def _layout_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise LayoutNotFound(f"No layout {raw!r}.") from None


def layout_body(layout: Layout) -> dict[str, Any]:
    return _layout.dump(
        {
            "id": layout.id,
            "name": layout.name,
            "versions": {locale: v.to_json() for locale, v in layout.versions.items()},
            "created_at": layout.created_at,
            "updated_at": layout.updated_at,
        }
    )


@blueprint.post("/v1/layouts")
@require("campaigns:write")
@documented(
    returns(201, LayoutSchema, "The layout", headers={"Location": "The layout's address"}),
    INVALID,
    body=LayoutWriteSchema,
)
def create() -> tuple[Response, int]:
    """Create a layout: a name and, per locale, the header's and footer's values.

    The default locale's version is required; a person whose language the layout lacks gets
    it. The unsubscribe and preference links are always added by the mailer.
    """
    body = json_body(_write)
    default_locale = _settings().default_locale

    def work(registry: SqlRepository) -> dict[str, Any]:
        created = layouts.create_layout(
            registry.layouts,
            body["name"],
            body["versions"],
            default_locale=default_locale,
            now=now(),
        )
        return layout_body(created)

    answer = in_transaction(work)
    response = jsonify(answer)
    response.headers["Location"] = f"/v1/layouts/{answer['id']}"
    return response, 201


@blueprint.get("/v1/layouts")
@require("campaigns:read")
@documented(returns(200, LayoutsSchema, "The layouts by name, and the default layout"))
def list_all() -> Response:
    """Every layout by name, and `default`: the layout of a campaign that names none."""
    default = layouts.default_layout(_settings().shop)
    with read_only() as registry:
        found = layouts.list_layouts(registry.layouts)
        return jsonify(
            {
                "layouts": [layout_body(layout) for layout in found],
                "default": {locale: v.to_json() for locale, v in default.items()},
            }
        )


@blueprint.get("/v1/layouts/<layout_id>")
@require("campaigns:read")
@documented(returns(200, LayoutSchema, "The layout"), NOT_FOUND)
def get_one(layout_id: str) -> Response:
    """A layout with its versions."""
    wanted = _layout_id(layout_id)
    with read_only() as registry:
        return jsonify(layout_body(layouts.get_layout(registry.layouts, wanted)))


@blueprint.put("/v1/layouts/<layout_id>")
@require("campaigns:write")
@documented(
    returns(200, LayoutSchema, "The layout as replaced"), NOT_FOUND, INVALID, body=LayoutWriteSchema
)
def replace(layout_id: str) -> Response:
    """Replace a layout's name and versions; a locale left out is removed.

    Runs already requested keep the layout as it was when they were requested.
    """
    wanted = _layout_id(layout_id)
    body = json_body(_write)
    default_locale = _settings().default_locale

    def work(registry: SqlRepository) -> dict[str, Any]:
        replaced = layouts.replace_layout(
            registry.layouts,
            wanted,
            body["name"],
            body["versions"],
            default_locale=default_locale,
            now=now(),
        )
        return layout_body(replaced)

    return jsonify(in_transaction(work))
