"""`/console/layouts`: the email layouts, per locale, for whoever holds `layouts:write`.

The list shows every layout and, beside them, the default one (the brand settings), which a
campaign without a layout is sent inside. A layout's page is one plain form with a group of
fields per language: the header's shop name and logo, the footer's legal name, postal address
and why the person gets the email. The links are not fields: the mailer always adds them.
A refused form comes back with what was typed and each problem named beside its field (422);
nothing is stored until everything is fit. Each change is in the console audit log.
"""

import uuid
from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.pages import forbidden, render
from consent_service.domain.layouts import (
    MAX_NAME,
    MAX_VALUE,
    InvalidLayout,
    Layout,
    LayoutNotFound,
)
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.faces import clock, csrf
from consent_service.faces.languages import LANGUAGE_NAMES
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import layouts as layout_service
from plumbing.layouts import FIELDS
from plumbing.vocabulary import LOCALES

blueprint = Blueprint("console_layouts", __name__, url_prefix="/console/layouts")
csrf.protect(blueprint)
guard(blueprint, forbidden)
LAYOUTS_WRITE = "layouts:write"
MAX_TYPED = 2000
"""Far above every field's own limit, which the service names; only a forged form reaches it."""

DONE = {
    "created": lambda: _("The layout was created. Campaigns can now choose it."),
    "saved": lambda: _("The layout was saved. Runs requested from now on use it."),
}


def field_titles() -> dict[str, str]:
    return {
        "shop_name": _("Shop name"),
        "logo_url": _("Logo address (optional)"),
        "legal_name": _("Legal name"),
        "postal_address": _("Postal address"),
        "why": _("Why the person gets this email (optional)"),
    }


def field_hints() -> dict[str, str]:
    return {
        "shop_name": _("At the top of the email."),
        "logo_url": _("A full address starting with https://, shown above the shop's name."),
        "legal_name": _("The company as registered, in the footer."),
        "postal_address": _("Where the shop can be written to by post, in the footer."),
        "why": _("Empty: “You receive this email from the shop because you agreed to it.”"),
    }


def _field_problem(field: str) -> str:
    if field == "logo_url":
        return _("Give the logo's full address, starting with https://, or leave it empty.")
    if field == "why":
        return _("Write at most %(count)s characters.", count=MAX_VALUE[field])
    return _(
        "Every email shows this: fill it in, with at most %(count)s characters.",
        count=MAX_VALUE[field],
    )


def _problems(errors: dict[str, Any]) -> dict[str, str]:
    """The service's refusal as one message per form field (`name`, `ky-legal_name`, `ky`)."""
    found: dict[str, str] = {}
    if "name" in errors:
        found["name"] = _("Give the layout a name of at most %(count)s characters.", count=MAX_NAME)
    for locale, problem in errors.get("versions", {}).items():
        if isinstance(problem, dict):
            for field in problem:
                found[f"{locale}-{field}"] = _field_problem(field)
        else:
            found[locale] = _(
                "Fill in the %(language)s version: people whose language the layout lacks get it.",
                language=LANGUAGE_NAMES.get(locale, locale),
            )
    return found


def _typed(name: str) -> str:
    return request.form.get(name, "")[:MAX_TYPED]


def _form() -> tuple[str, dict[str, dict[str, str]]]:
    """The form's name and versions; a language whose fields are all empty is left out."""
    versions = {}
    for locale in LOCALES:
        values = {field: _typed(f"{locale}-{field}") for field in FIELDS}
        if any(value.strip() for value in values.values()):
            versions[locale] = values
    return _typed("name"), versions


def _default_locale() -> str:
    return sessions.settings().default_locale


def _edit_page(
    status: int,
    *,
    layout_id: uuid.UUID | None,
    name: str,
    versions: dict[str, dict[str, str]],
    problems: dict[str, str] | None = None,
) -> Response:
    default_locale = _default_locale()
    ordered = [default_locale, *(locale for locale in LOCALES if locale != default_locale)]
    return render(
        "console/layout_edit.html",
        status,
        title=name or (_("New layout") if layout_id is None else _("Layout")),
        layout_id=layout_id,
        name=name,
        versions=versions,
        locales=[(locale, LANGUAGE_NAMES[locale]) for locale in ordered],
        default_locale=default_locale,
        fields=FIELDS,
        field_titles=field_titles(),
        field_hints=field_hints(),
        limits=MAX_VALUE,
        max_name=MAX_NAME,
        problems=problems or {},
        done=_done(),
    )


def _done() -> str | None:
    done = DONE.get(request.args.get("done", ""))
    return done() if done else None


def _values(layout: Layout) -> dict[str, dict[str, str]]:
    return {locale: version.to_json() for locale, version in layout.versions.items()}


@blueprint.get("")
@allow(needs(LAYOUTS_WRITE))
def layouts() -> Response:
    """Every layout, and the default one the brand settings make."""
    with read_only() as registry:
        found = layout_service.list_layouts(registry.layouts)
    default = layout_service.default_layout(sessions.settings().shop)[_default_locale()]
    return render(
        "console/layouts.html",
        title=_("Email layouts"),
        layouts=found,
        default=default,
        language_names=LANGUAGE_NAMES,
        field_titles=field_titles(),
        done=_done(),
    )


@blueprint.get("/new")
@allow(needs(LAYOUTS_WRITE))
def new_layout() -> Response:
    """An empty layout's form, its default-locale group filled from the brand settings."""
    default = layout_service.default_layout(sessions.settings().shop)[_default_locale()]
    return _edit_page(200, layout_id=None, name="", versions={_default_locale(): default.to_json()})


def _audit(registry: SqlRepository, action: AuditAction, layout: Layout) -> None:
    visit = signed_in()
    entry = AuditEntry(
        clock.now(),
        visit.account.id,
        action,
        f"layout:{layout.id}",
        sessions.client_address(),
        {"name": layout.name, "locales": sorted(layout.versions)},
    )
    SqlStaffStore(registry).record(entry)


@blueprint.post("")
@allow(needs(LAYOUTS_WRITE))
def create_layout() -> Response | WerkzeugResponse:
    """Create the layout; a refused form comes back with each problem beside its field."""
    name, versions = _form()

    def work(registry: SqlRepository) -> Layout:
        created = layout_service.create_layout(
            registry.layouts,
            name,
            versions,
            default_locale=_default_locale(),
            now=clock.now(),
        )
        _audit(registry, AuditAction.LAYOUT_CREATED, created)
        return created

    try:
        created = in_transaction(work)
    except InvalidLayout as refused:
        return _edit_page(
            422, layout_id=None, name=name, versions=versions, problems=_problems(refused.errors)
        )
    return redirect(url_for("console_layouts.layout", layout_id=created.id, done="created"), 303)


@blueprint.get("/<uuid:layout_id>")
@allow(needs(LAYOUTS_WRITE))
def layout(layout_id: uuid.UUID) -> Response:
    """The layout's form, per language."""
    try:
        with read_only() as registry:
            found = layout_service.get_layout(registry.layouts, layout_id)
    except LayoutNotFound:
        abort(404)
    return _edit_page(200, layout_id=found.id, name=found.name, versions=_values(found))


@blueprint.post("/<uuid:layout_id>")
@allow(needs(LAYOUTS_WRITE))
def save_layout(layout_id: uuid.UUID) -> Response | WerkzeugResponse:
    """Replace the layout with the form; a language left empty is removed from it."""
    name, versions = _form()

    def work(registry: SqlRepository) -> Layout:
        saved = layout_service.replace_layout(
            registry.layouts,
            layout_id,
            name,
            versions,
            default_locale=_default_locale(),
            now=clock.now(),
        )
        _audit(registry, AuditAction.LAYOUT_CHANGED, saved)
        return saved

    try:
        in_transaction(work)
    except LayoutNotFound:
        abort(404)
    except InvalidLayout as refused:
        return _edit_page(
            422,
            layout_id=layout_id,
            name=name,
            versions=versions,
            problems=_problems(refused.errors),
        )
    return redirect(url_for("console_layouts.layout", layout_id=layout_id, done="saved"), 303)
