"""`/console/forms`: the public sign-up forms, for whoever holds `forms:admin` (administrators).

Each form is listed with what it offers, where it may be posted from, its hosted page's address
and the HTML snippet a shop pastes into its site, both ready to copy (SPEC section 5). A new
form is checked by the rules `POST /v1/forms` applies (schemas/api/forms.py), so the console
and the API accept the same forms; a refused one comes back with each problem beside its
field and nothing stored. Creating a form is a line in the console audit log.
"""

from typing import Any

from flask import Blueprint, Response, redirect, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.pages import forbidden, render
from consent_service.domain.forms import FormExists, SignupForm
from consent_service.domain.purpose_texts import TITLES
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.faces import clock, csrf
from consent_service.faces.signup_forms import embed_snippet
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import forms
from plumbing.origins import normalize_origin
from plumbing.vocabulary import CONSENT_PURPOSES
from schemas.api.forms import MAX_ORIGINS, FormCreateSchema

blueprint = Blueprint("console_forms", __name__, url_prefix="/console/forms")
csrf.protect(blueprint)
guard(blueprint, forbidden)
FORMS_ADMIN = "forms:admin"
MAX_TYPED = 2000
_create = FormCreateSchema()

DONE = {"created": lambda: _("The form was created. Its address and snippet are below.")}


def source_titles() -> dict[str, str]:
    return {
        "registration": _("Registration"),
        "newsletter_form": _("Newsletter form"),
        "order": _("Order"),
        "survey": _("Survey"),
    }


def _problems() -> dict[str, str]:
    """The message beside each field a refused form names."""
    return {
        "form_id": _("Lower-case letters, digits, “-” and “_”, at most 50 characters."),
        "purposes": _("Tick at least one purpose."),
        "source": _("Choose where the sign-ups come from."),
        "allowed_origins": _(
            "One origin a line, scheme://host[:port] with no path, each once, at most %(count)s.",
            count=MAX_ORIGINS,
        ),
        "success_url": _("An http or https address, or nothing."),
        "default_locale": _("Choose a language."),
    }


def _rows() -> list[dict[str, Any]]:
    base = sessions.settings().public_base_url
    with read_only() as registry:
        found = forms.all_forms(registry)
    return [
        {
            "form": form,
            "url": f"{base}/f/{form.form_id}",
            "embed_url": f"{base}/f/{form.form_id}/embed",
            "snippet": embed_snippet(form, base),
        }
        for form in sorted(found, key=lambda form: form.form_id)
    ]


def _forms_page(status: int = 200, **context: Any) -> Response:
    done = DONE.get(request.args.get("done", ""))
    blank = {
        "purposes": [],
        "default_locale": sessions.settings().default_locale,
        "allowed_origins": "",
    }
    return render(
        "console/forms.html",
        status,
        title=_("Sign-up forms"),
        rows=_rows(),
        purposes={purpose: TITLES[purpose] for purpose in sorted(CONSENT_PURPOSES)},
        sources=source_titles(),
        locales={"ky": _("Kyrgyz"), "ru": _("Russian"), "en": _("English")},
        done=done() if done else None,
        form=context.pop("form", blank),
        problems=context.pop("problems", {}),
        **context,
    )


@blueprint.get("")
@allow(needs(FORMS_ADMIN))
def form_list() -> Response:
    """Every sign-up form with its address and snippet, and the form for a new one."""
    return _forms_page()


def _typed(name: str) -> str:
    return request.form.get(name, "")[:MAX_TYPED].strip()


def _body(typed: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "form_id": typed["form_id"],
        "purposes": typed["purposes"],
        "source": typed["source"],
        "allowed_origins": [line.strip() for line in typed["allowed_origins"].splitlines()],
        "success_url": typed["success_url"] or None,
        "default_locale": typed["default_locale"],
    }
    body["allowed_origins"] = [origin for origin in body["allowed_origins"] if origin]
    return body


@blueprint.post("")
@allow(needs(FORMS_ADMIN))
def create_form() -> Response | WerkzeugResponse:
    """Store a new form; the list shows it with its address and snippet."""
    typed = {
        "form_id": _typed("form_id"),
        "purposes": request.form.getlist("purpose")[: len(CONSENT_PURPOSES) + 1],
        "source": _typed("source"),
        "allowed_origins": _typed("allowed_origins"),
        "success_url": _typed("success_url"),
        "default_locale": _typed("default_locale"),
    }
    try:
        body = _create.load(_body(typed))
    except ValidationError as error:
        messages = _problems()
        fields = error.messages if isinstance(error.messages, dict) else {}
        problems = {name: messages.get(name, _("Check this field.")) for name in fields}
        return _forms_page(422, form=typed, problems=problems)
    user_id = signed_in().account.id
    now = clock.now()
    form = SignupForm(
        form_id=body["form_id"],
        purposes=tuple(body["purposes"]),
        source=body["source"],
        allowed_origins=tuple(str(normalize_origin(o)) for o in body["allowed_origins"]),
        success_url=body["success_url"],
        default_locale=body.get("default_locale") or sessions.settings().default_locale,
        created_by=f"console:{user_id}",
        created_at=now,
    )

    def work(registry: SqlRepository) -> None:
        forms.create_form(registry, form)
        entry = AuditEntry(
            now,
            user_id,
            AuditAction.FORM_CREATED,
            f"form:{form.form_id}",
            sessions.client_address(),
            {"purposes": list(form.purposes), "source": form.source},
        )
        SqlStaffStore(registry).record(entry)

    try:
        in_transaction(work)
    except FormExists:
        problems = {"form_id": _("A form with this id exists already. Choose another.")}
        return _forms_page(409, form=typed, problems=problems)
    target = url_for(".form_list", done="created", _anchor=f"form-{form.form_id}")
    return redirect(target, 303)
