"""`/console/keys`: the API's keys, for whoever holds `keys:admin` (administrators).

Every key is listed by name, prefix, scopes and dates, never by its secret (services/
api_keys.py keeps only a hash). A new key is shown once, on the answer to the form that made
it, not after a redirect: nothing keeps it to be shown again. Revoking asks for confirmation on
a page of its own; the API checks on every request whether a key it verified earlier is still
live (docs/decisions/0020), so a key revoked here is refused from the next request on, by
every registry process. Creating and revoking are lines in the console audit log.
"""

from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.pages import forbidden, render
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import api_keys
from consent_service.services.api_keys import SCOPES, KeyListing, KeyNotFound
from plumbing.text import storable

blueprint = Blueprint("console_keys", __name__, url_prefix="/console/keys")
csrf.protect(blueprint)
guard(blueprint, forbidden)
KEYS_ADMIN = "keys:admin"
MAX_NAME = 100
"""The length of the `api_keys.name` column."""

DONE = {"revoked": lambda: _("The key was revoked. Every request that presents it is refused.")}


def _audit(registry: SqlRepository, action: AuditAction, key_id: str, **details: Any) -> None:
    entry = AuditEntry(
        clock.now(),
        signed_in().account.id,
        action,
        f"key:{key_id}",
        sessions.client_address(),
        details,
    )
    SqlStaffStore(registry).record(entry)


def _keys_page(status: int = 200, **context: Any) -> Response:
    with read_only() as registry:
        found = api_keys.list_keys(registry)
    done = DONE.get(request.args.get("done", ""))
    return render(
        "console/keys.html",
        status,
        title=_("API keys"),
        keys=found,
        scopes=SCOPES,
        done=done() if done else None,
        form=context.pop("form", {"scopes": []}),
        **context,
    )


@blueprint.get("")
@allow(needs(KEYS_ADMIN))
def keys() -> Response:
    """Every key, revoked ones too, and the form for a new one."""
    return _keys_page()


def _problem(name: str, scopes: list[str]) -> str | None:
    """Why the form cannot make a key, or None."""
    if not name or len(name) > MAX_NAME or not storable(name):
        return _("Name the key in at most %(count)s characters.", count=MAX_NAME)
    if not scopes or not set(scopes) <= set(SCOPES):
        return _("Tick at least one of the scopes listed.")
    return None


@blueprint.post("")
@allow(needs(KEYS_ADMIN))
def create_key() -> Response:
    """Make a key; the answer shows it whole, this once."""
    name = request.form.get("name", "")[: MAX_NAME + 1].strip()
    scopes = request.form.getlist("scope")
    problem = _problem(name, scopes)
    if problem is not None:
        form = {"name": name[:MAX_NAME], "scopes": [s for s in scopes if s in SCOPES]}
        return _keys_page(422, problem=problem, form=form)
    now = clock.now()

    def work(registry: SqlRepository) -> str:
        key = api_keys.create_key(registry, name, scopes, now)
        key_id = key.split("_")[1]
        _audit(registry, AuditAction.KEY_CREATED, key_id, name=name, scopes=sorted(set(scopes)))
        return key

    key = in_transaction(work)
    return render(
        "console/key_created.html",
        title=_("Key created"),
        key=key,
        name=name,
        prefix=api_keys.prefix_of(key.split("_")[1]),
        scopes=sorted(set(scopes)),
    )


def _key(key_id: str) -> KeyListing:
    with read_only() as registry:
        found = [key for key in api_keys.list_keys(registry) if key.id == key_id]
    if not found:
        abort(404)
    return found[0]


@blueprint.get("/<key_id>/revoke")
@allow(needs(KEYS_ADMIN))
def revoke_page(key_id: str) -> Response:
    """What revoking does, and the box to tick."""
    return render("console/key_revoke.html", title=_("Revoke a key"), key=_key(key_id))


@blueprint.post("/<key_id>/revoke")
@allow(needs(KEYS_ADMIN))
def revoke_key(key_id: str) -> Response | WerkzeugResponse:
    """Revoke the key once the box is ticked; refused everywhere from the next request on."""
    key = _key(key_id)
    if request.form.get("confirm") != "yes":
        problem = _("Tick the box to confirm. Nothing was changed.")
        return render(
            "console/key_revoke.html", 422, title=_("Revoke a key"), key=key, problem=problem
        )
    done = url_for(".keys", done="revoked", _anchor=f"key-{key.id}")
    if key.revoked_at is not None:  # revoked already: its first revocation stands
        return redirect(done, 303)
    now = clock.now()

    def work(registry: SqlRepository) -> None:
        revoked = api_keys.revoke_key(registry, key.id, now)
        _audit(registry, AuditAction.KEY_REVOKED, key.id, name=revoked.name)

    try:
        in_transaction(work)
    except KeyNotFound:
        abort(404)
    return redirect(done, 303)
