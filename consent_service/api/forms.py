"""Sign-up form definitions (`admin`): create one, list them, read one."""

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from consent_service.api.http import client, require
from consent_service.config import Settings
from consent_service.domain.forms import FormNotFound, SignupForm
from consent_service.faces.bodies import json_body
from consent_service.faces.clock import now
from consent_service.faces.problems import Problem
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.openapi.operations import documented, problem, returns
from consent_service.services import forms
from plumbing.origins import normalize_origin
from schemas.api.forms import FormCreateSchema, FormSchema, FormsSchema

blueprint = Blueprint("forms_api", __name__)
_create = FormCreateSchema()
_form = FormSchema()


def settings() -> Settings:
    return current_app.extensions["consent.settings"]


@blueprint.errorhandler(FormNotFound)
def _not_found(error: FormNotFound) -> Response:
    return Problem(404, "Form not found", error.message, slug="form-not-found").response()


def form_body(form: SignupForm) -> dict[str, Any]:
    page = f"{settings().public_base_url}/f/{form.form_id}"
    return _form.dump(
        {
            "form_id": form.form_id,
            "purposes": list(form.purposes),
            "source": form.source,
            "allowed_origins": list(form.allowed_origins),
            "success_url": form.success_url,
            "default_locale": form.default_locale,
            "created_at": form.created_at,
            "url": page,
            "embed_url": f"{page}/embed",
        }
    )


@blueprint.post("/v1/forms")
@require("admin")
@documented(
    returns(201, FormSchema, "The form", headers={"Location": "The form's address"}),
    problem(409, "A form with this id exists already."),
    body=FormCreateSchema,
)
def create_form() -> Response:
    """Define a form; 201 with it, 409 when the id is taken."""
    body = json_body(_create)
    form = SignupForm(
        form_id=body["form_id"],
        purposes=tuple(body["purposes"]),
        source=body["source"],
        allowed_origins=tuple(str(normalize_origin(o)) for o in body["allowed_origins"]),
        success_url=body["success_url"],
        default_locale=body.get("default_locale") or settings().default_locale,
        created_by=client().key_id,
        created_at=now(),
    )
    created = in_transaction(lambda registry: forms.create_form(registry, form))
    response = jsonify(form_body(created))
    response.status_code = 201
    response.headers["Location"] = f"/v1/forms/{created.form_id}"
    return response


@blueprint.get("/v1/forms")
@require("admin")
@documented(returns(200, FormsSchema, "The forms"))
def list_forms() -> Response:
    """Every sign-up form."""
    with read_only() as registry:
        found = forms.all_forms(registry)
    return jsonify({"forms": [form_body(form) for form in found]})


@blueprint.get("/v1/forms/<form_id>")
@require("admin")
@documented(returns(200, FormSchema, "The form"), problem(404, "No such form."))
def get_form(form_id: str) -> Response:
    """One sign-up form, with the addresses of its hosted page and its snippet."""
    with read_only() as registry:
        found = forms.form_named(registry, form_id)
    return jsonify(form_body(found))
