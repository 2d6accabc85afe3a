"""`/console/suppressions`: the suppression list for privacy officers (SPEC section 9).

How many addresses each reason holds; a typed whole address looked up (it is hashed with the
list's keyed hash and answered on the page that form posts to, so it never lands in a URL, a
log line or the database); and a bounce lifted with the staff member's reason, in the console
audit log. An erasure's suppression is never lifted here: only the person's fresh consent
brings their address back (decision 0045).
"""

from typing import Any

from flask import Blueprint, Response, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.pages import forbidden, render
from consent_service.domain.errors import DomainError, InvalidEmail
from consent_service.domain.suppression import LIFTABLE, SuppressionReason
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import suppressions
from consent_service.services.staff_accounts import Acting
from consent_service.services.suppressions import (
    MAX_WHY,
    NotLiftable,
    NotSuppressed,
    UnknownReason,
    WhyMissing,
    WhyUnreadable,
)

blueprint = Blueprint("console_suppressions", __name__, url_prefix="/console/suppressions")
csrf.protect(blueprint)
guard(blueprint, forbidden)
SUPPRESSIONS_WRITE = "suppressions:write"
MAX_TYPED = 4000
"""Above every field's own limit; only a forged form reaches it."""


def reason_names() -> dict[str, str]:
    return {
        SuppressionReason.HARD_BOUNCE: _("Hard bounce: the mailbox does not exist"),
        SuppressionReason.INVALID_ADDRESS: _("Invalid address: the email provider dropped it"),
        SuppressionReason.ERASED: _("Erased: the person's data was erased"),
    }


def _refusal(error: DomainError) -> str:
    if isinstance(error, InvalidEmail):
        return _("Type a whole email address (name@example.kg).")
    if isinstance(error, NotLiftable):
        return _(
            "An erasure's suppression cannot be lifted here. The address comes back only when "
            "the person gives their consent again, for example by signing up."
        )
    if isinstance(error, UnknownReason):
        return _("Choose which suppression to lift.")
    if isinstance(error, WhyMissing):
        return _("Say why the suppression is lifted; it is kept in the console audit log.")
    if isinstance(error, WhyUnreadable):
        return _("The reason holds characters that cannot be stored. Please type it again.")
    if isinstance(error, NotSuppressed):
        return _("This address is not suppressed for this reason; nothing was lifted.")
    return _("Write at most %(count)s characters.", count=MAX_WHY)


def _status(error: DomainError) -> int:
    return 409 if isinstance(error, NotLiftable | NotSuppressed) else 422


def _typed(name: str) -> str:
    return request.form.get(name, "")[:MAX_TYPED]


def _page(status: int = 200, **context: Any) -> Response:
    with read_only() as registry:
        counts = suppressions.counts_by_reason(registry)
    return render(
        "console/suppressions.html",
        status,
        title=_("Suppressions"),
        counts=counts,
        reasons=reason_names(),
        liftable=LIFTABLE,
        max_why=MAX_WHY,
        done=request.args.get("done") == "lifted",
        **context,
    )


def _keys() -> tuple[str, ...]:
    settings = sessions.settings()
    return (settings.secret_key, *settings.previous_secret_keys)


def _look_up(typed: str) -> dict[SuppressionReason, Any]:
    with read_only() as registry:
        return suppressions.look_up(registry, _keys(), typed)


@blueprint.get("")
@allow(needs(SUPPRESSIONS_WRITE))
def suppression_list() -> Response:
    """The counts by reason and the lookup form."""
    return _page()


@blueprint.post("/lookup")
@allow(needs(SUPPRESSIONS_WRITE))
def look_up() -> Response:
    """Why a typed whole address is suppressed, and since when; answered here, not redirected,
    so that the address never appears in a URL."""
    typed = _typed("address")
    try:
        found = _look_up(typed)
    except InvalidEmail as error:
        return _page(422, address=typed, problem=_refusal(error))
    return _page(address=typed, looked_up=True, found=found)


@blueprint.post("/lift")
@allow(needs(SUPPRESSIONS_WRITE))
def lift() -> Response | WerkzeugResponse:
    """Lift one bounce-like suppression with a reason; an erasure's is refused."""
    typed, reason, why = _typed("address"), _typed("reason"), _typed("why")
    visit = signed_in()
    acting = Acting(visit.account.id, visit.scopes, sessions.client_address())

    def work(registry: SqlRepository) -> int:
        return suppressions.lift_by_staff(
            registry, SqlStaffStore(registry), acting, _keys(), typed, reason, why, clock.now()
        )

    try:
        in_transaction(work)
    except DomainError as error:
        context: dict[str, Any] = {"address": typed, "problem": _refusal(error), "why": why}
        if not isinstance(error, InvalidEmail):
            context |= {"looked_up": True, "found": _look_up(typed)}
        return _page(_status(error), **context)
    return redirect(url_for("console_suppressions.suppression_list", done="lifted"), 303)
