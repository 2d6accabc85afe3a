"""`/console/users`: people and their roles, for whoever holds `users:admin`.

The list, a form to add someone (their one-time password is shown once, on the answer to
that form, not after a redirect: it must not be kept anywhere to be shown again), and per
person a roles form and a disable button, offered only where the person acting may use them.
The services refuse the rest anyway (services/staff_accounts.py): a forged form that gives a
role the actor lacks, or changes someone who may do more, changes nothing.
"""

import uuid
from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.pages import forbidden, render
from consent_service.domain.errors import DomainError, InvalidEmail
from consent_service.domain.staff.accounts import StaffAccount
from consent_service.domain.staff.roles import ROLES, USERS_ADMIN, may_grant, may_manage
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import staff_accounts
from consent_service.services.staff_accounts import (
    AccountExists,
    AccountNotFound,
    Acting,
    LastAdministrator,
    NoRole,
    NotYours,
    RoleNotYours,
    RolesFromProvider,
    RolesRefused,
    SelfDisable,
)

blueprint = Blueprint("console_users", __name__, url_prefix="/console/users")
csrf.protect(blueprint)
guard(blueprint, forbidden)
MAX_TYPED = 300


def role_titles() -> dict[str, str]:
    return {
        "marketing": _("Marketing"),
        "sender": _("Sender"),
        "support": _("Support"),
        "privacy": _("Privacy officer"),
        "admin": _("Administrator"),
    }


def role_summaries() -> dict[str, str]:
    """What each role may do, as SPEC section 9's table says it."""
    return {
        "marketing": _("Campaigns, layouts, segments and statistics; no person's data."),
        "sender": _("What marketing does, and starting, scheduling and stopping runs."),
        "support": _(
            "Finds a person, sees their consents and history, corrects, records requests."
        ),
        "privacy": _("What support does, and erasure, export, reports, requests and audit."),
        "admin": _("Everything, and people, API keys, forms and policies."),
    }


DONE = {
    "roles": lambda: _("The roles were changed. Their sessions ended; the change holds now."),
    "disabled": lambda: _("The person was disabled and their sessions ended."),
}


def _refusal(error: DomainError) -> str:
    """The refusal in the person's language (the services' messages are for the CLI)."""
    if isinstance(error, InvalidEmail):
        return _("This is not an email address we can use.")
    if isinstance(error, AccountExists):
        return _("Someone already signs in with this address.")
    if isinstance(error, NoRole):
        return _("Choose at least one role.")
    if isinstance(error, RoleNotYours):
        return _("You may not give a role you do not fully hold yourself.")
    if isinstance(error, NotYours):
        return _("You may not change someone who may do more than you.")
    if isinstance(error, RolesFromProvider):
        return _("This person's roles come from their groups at the identity provider.")
    if isinstance(error, LastAdministrator):
        return _("Someone active must still be able to manage people.")
    if isinstance(error, SelfDisable):
        return _("You cannot disable yourself.")
    return _("This change was not made.")


def _status(error: DomainError) -> int:
    if isinstance(error, NotYours | RoleNotYours):
        return 403
    if isinstance(error, InvalidEmail | RolesRefused):
        return 422
    return 409


def _acting() -> Acting:
    visit = signed_in()
    return Acting(visit.account.id, visit.scopes, sessions.client_address())


def _row(account: StaffAccount, acting: Acting) -> dict[str, Any]:
    manageable = account.active and may_manage(acting.scopes, account.scopes)
    return {
        "account": account,
        "roles": [role_titles()[name] for name in sorted(account.roles) if name in ROLES],
        "may_change_roles": manageable and not account.single_sign_on,
        "may_disable": manageable and account.id != acting.user_id,
        "is_you": account.id == acting.user_id,
    }


def _users_page(status: int = 200, **context: Any) -> Response:
    acting = _acting()
    with read_only() as registry:
        found = staff_accounts.list_accounts(SqlStaffStore(registry))
    done = DONE.get(request.args.get("done", ""))
    return render(
        "console/users.html",
        status,
        title=_("Users"),
        rows=[_row(account, acting) for account in found],
        grantable=[name for name, role in ROLES.items() if may_grant(acting.scopes, role)],
        role_titles=role_titles(),
        role_summaries=role_summaries(),
        done=done() if done else None,
        **context,
    )


@blueprint.get("")
@allow(needs(USERS_ADMIN))
def users() -> Response:
    """Everyone who may work in the console, with their roles and how they sign in."""
    return _users_page()


def _typed(name: str) -> str:
    return request.form.get(name, "")[:MAX_TYPED]


@blueprint.post("")
@allow(needs(USERS_ADMIN))
def create_user() -> Response:
    """Add someone; the answer shows their one-time password, once."""
    email, name, roles = _typed("email"), _typed("name"), request.form.getlist("role")
    try:
        account, password = in_transaction(
            lambda registry: staff_accounts.create_account(
                SqlStaffStore(registry),
                sessions.passwords(),
                _acting(),
                email,
                roles,
                clock.now(),
                name=name,
            )
        )
    except DomainError as error:
        form = {"email": email, "name": name, "roles": roles}
        return _users_page(_status(error), problem=_refusal(error), form=form)
    return render(
        "console/user_created.html",
        title=_("Person added"),
        account=account,
        password=password,
        roles=[role_titles()[role] for role in sorted(account.roles)],
    )


def _change(work: Any, done: str, user_id: uuid.UUID) -> Response | WerkzeugResponse:
    try:
        in_transaction(work)
    except AccountNotFound:
        abort(404)
    except DomainError as error:
        return _users_page(_status(error), problem=_refusal(error))
    return redirect(url_for("console_users.users", done=done, _anchor=f"user-{user_id}"), 303)


@blueprint.post("/<uuid:user_id>/roles")
@allow(needs(USERS_ADMIN))
def change_roles(user_id: uuid.UUID) -> Response | WerkzeugResponse:
    """Give the person exactly the roles ticked; their sessions end at once."""
    roles = request.form.getlist("role")
    return _change(
        lambda registry: staff_accounts.change_roles(
            SqlStaffStore(registry), _acting(), user_id, roles, clock.now()
        ),
        "roles",
        user_id,
    )


@blueprint.post("/<uuid:user_id>/disable")
@allow(needs(USERS_ADMIN))
def disable_user(user_id: uuid.UUID) -> Response | WerkzeugResponse:
    """Disable the person; their sessions end at once and they can no longer sign in."""
    return _change(
        lambda registry: staff_accounts.disable_account(
            SqlStaffStore(registry), _acting(), user_id, clock.now()
        ),
        "disabled",
        user_id,
    )
