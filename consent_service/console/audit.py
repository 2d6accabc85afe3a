"""`/console/audit`: is the ledger as it was written? (SPEC section 9, decision 0045)

For those holding `audit:read` (privacy officers, administrators): the last verification of the
whole ledger (by `consent audit verify` or here), when, by whom, what it counted and what did
not verify, and the last sealed checkpoint; "verify now" runs a verification (post/redirect/get)
whose outcome is kept and shown. Below, for those who also hold `users:admin`, the console audit
log, newest first, a page at a time; nothing on this page changes it.
"""

import uuid

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.pages import forbidden, render
from consent_service.domain.staff.roles import USERS_ADMIN
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import audit, console_log
from consent_service.services.staff_accounts import Acting

blueprint = Blueprint("console_audit", __name__, url_prefix="/console/audit")
csrf.protect(blueprint)
guard(blueprint, forbidden)
AUDIT_READ = "audit:read"
MAX_CURSOR = 2**63 - 1


def _cursor() -> int | None:
    """The `before` of an older page of the log; anything else is a bad request."""
    raw = request.args.get("before")
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_CURSOR:
        abort(400)
    return int(raw)


def _actor_name(registry: SqlRepository, actor: str) -> str:
    """Who ran a verification, as a person reads it."""
    if actor == audit.COMMAND_LINE:
        return _("The command line (consent audit verify)")
    kind, _sep, user_id = actor.partition(":")
    if kind == "console":
        try:
            account = SqlStaffStore(registry).account(uuid.UUID(user_id))
        except ValueError:
            account = None
        if account is not None:
            return account.shown_name
    return actor


@blueprint.get("")
@allow(needs(AUDIT_READ))
def audit_page() -> Response:
    """The last verification and checkpoint; the console audit log for administrators."""
    before = _cursor()
    shows_log = signed_in().may(USERS_ADMIN)
    with read_only() as registry:
        state = audit.state(registry)
        verified_by = (
            _actor_name(registry, state.verification.actor) if state.verification else None
        )
        log = console_log.page(SqlStaffStore(registry), before) if shows_log else None
    return render(
        "console/audit.html",
        title=_("Ledger audit"),
        state=state,
        verified_by=verified_by,
        log=log,
        paged=before is not None,
        done=request.args.get("done") == "verified",
    )


@blueprint.post("/verify")
@allow(needs(AUDIT_READ))
def verify_now() -> WerkzeugResponse:
    """Verify the whole ledger now; its outcome, broken or not, is kept and shown."""
    visit = signed_in()
    acting = Acting(visit.account.id, visit.scopes, sessions.client_address())
    settings = sessions.settings()
    keys = [settings.secret_key, *settings.previous_secret_keys]
    in_transaction(
        lambda registry: audit.verify_now(
            registry, SqlStaffStore(registry), acting, keys, clock.now()
        )
    )
    return redirect(url_for("console_audit.audit_page", done="verified"), 303)
