"""`/console/requests`: data-subject requests on the law's clock (SPEC section 9).

The list puts the open requests first, soonest due first, each marked overdue or due soon;
a filter shows the closed ones instead. Support and privacy staff record a request that came by
email, phone, letter or in person (`requests:write`); privacy staff close it with its outcome
(`requests:resolve`), and a refusal needs its reason, because the law asks for a reasoned
refusal and the person may then complain to the authority. Requests made in the preference
centre arrive already fulfilled. Every form is plain (post/redirect/get); a refused one comes
back 422 with each problem beside its field and nothing stored; recording and closing are in
the console audit log. Decision record 0043.
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
from consent_service.domain.rights_requests import (
    MAX_ADDRESS,
    MAX_REASON,
    STAFF_CHANNELS,
    AlreadyClosed,
    InvalidRequest,
    Outcome,
    RequestKind,
    RequestNotFound,
)
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.domain.tallies import local_day
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import rights_requests as desk
from consent_service.services.ports.rights import RightsRequestRow
from consent_service.services.rights_requests import RequestForm

blueprint = Blueprint("console_requests", __name__, url_prefix="/console/requests")
csrf.protect(blueprint)
guard(blueprint, forbidden)
REQUESTS_WRITE = "requests:write"
REQUESTS_RESOLVE = "requests:resolve"
MAX_TYPED = 4000
"""Above every field's own limit; only a forged form reaches it."""

DONE = {
    "recorded": lambda: _("The request was recorded. Its due day is below."),
    "closed": lambda: _("The request was closed and its outcome recorded."),
}


def kind_names() -> dict[str, str]:
    return {
        RequestKind.ACCESS: _("Access to their data"),
        RequestKind.RECTIFICATION: _("Rectification"),
        RequestKind.ERASURE: _("Erasure"),
        RequestKind.PORTABILITY: _("Portability"),
        RequestKind.OBJECTION: _("Objection"),
        RequestKind.COMPLAINT: _("Complaint"),
    }


def channel_names() -> dict[str, str]:
    return {
        "email": _("Email"),
        "phone": _("Phone"),
        "letter": _("Letter"),
        "in_person": _("In person"),
        "other": _("Other"),
        "preference_center": _("Preference centre"),
    }


def outcome_names() -> dict[str, str]:
    return {
        Outcome.FULFILLED: _("Fulfilled"),
        Outcome.PARTLY_FULFILLED: _("Partly fulfilled"),
        Outcome.REFUSED: _("Refused"),
    }


def urgency_names() -> dict[str, str]:
    return {
        "overdue": _("Overdue"),
        "due_soon": _("Due soon"),
        "on_time": _("On time"),
        "closed": _("Closed"),
    }


def _problem(field: str, code: str) -> str:
    if field == "kind":
        return _("Choose what the person asks for.")
    if field == "channel":
        return _("Choose how the request reached the shop.")
    if field == "received_on":
        if code == "future":
            return _("The day received cannot be after today.")
        return _("Give the day the request was received, as year-month-day (2026-12-31).")
    if field == "person":
        if code == "unknown_subject":
            return _("Nobody in the registry has this subject id. Give their address instead.")
        if code == "required":
            return _("Give the person's subject id or their whole email address.")
        return _("Give a subject id or a whole email address (name@example.kg).")
    if field == "outcome":
        return _("Choose the outcome.")
    if code == "too_long":
        return _("Write at most %(count)s characters.", count=MAX_REASON)
    if code == "unreadable":
        return _("The reason holds characters that cannot be stored. Please type it again.")
    return _("A refusal needs its reason: the person is owed one.")


def _problems(errors: dict[str, str]) -> dict[str, str]:
    return {field: _problem(field, code) for field, code in errors.items()}


def _typed(name: str) -> str:
    return request.form.get(name, "")[:MAX_TYPED]


def _done() -> str | None:
    done = DONE.get(request.args.get("done", ""))
    return done() if done else None


def _names() -> dict[str, Any]:
    return {
        "kinds": kind_names(),
        "channels": channel_names(),
        "outcomes": outcome_names(),
        "urgencies": urgency_names(),
    }


def _audit(
    registry: SqlRepository, action: AuditAction, row: RightsRequestRow, **more: Any
) -> None:
    """The audit line names the request and its kind, never the person's address."""
    entry = AuditEntry(
        clock.now(),
        signed_in().account.id,
        action,
        f"request:{row.id}",
        sessions.client_address(),
        {"kind": row.kind, **more},
    )
    SqlStaffStore(registry).record(entry)


@blueprint.get("")
@allow(needs(REQUESTS_WRITE))
def request_list() -> Response:
    """Open requests by due day (or the closed ones, last closed first)."""
    closed = request.args.get("show") == "closed"
    with read_only() as registry:
        found = desk.list_requests(registry.rights, closed=closed, now=clock.now())
    return render(
        "console/requests.html",
        title=_("Requests from people"),
        requests=found,
        closed=closed,
        due_days=sessions.settings().request_due_days,
        done=_done(),
        **_names(),
    )


def _new_page(status: int, form: RequestForm, problems: dict[str, str] | None = None) -> Response:
    return render(
        "console/request_new.html",
        status,
        title=_("Record a request"),
        form=form,
        staff_channels=[str(c) for c in STAFF_CHANNELS],
        today=local_day(clock.now()).isoformat(),
        due_days=sessions.settings().request_due_days,
        max_address=MAX_ADDRESS,
        problems=problems or {},
        **_names(),
    )


@blueprint.get("/new")
@allow(needs(REQUESTS_WRITE))
def new_request() -> Response:
    """An empty form, received today."""
    today = local_day(clock.now()).isoformat()
    return _new_page(200, RequestForm("", "", today, ""))


@blueprint.post("")
@allow(needs(REQUESTS_WRITE))
def create_request() -> Response | WerkzeugResponse:
    """Record the request; a refused form comes back with each problem beside its field."""
    form = RequestForm(
        kind=_typed("kind"),
        channel=_typed("channel"),
        received_on=_typed("received_on"),
        person=_typed("person"),
    )
    due_days = sessions.settings().request_due_days

    def work(registry: SqlRepository) -> RightsRequestRow:
        row = desk.record_request(registry.rights, registry, form, clock.now(), due_days)
        _audit(
            registry,
            AuditAction.REQUEST_RECORDED,
            row,
            channel=row.source,
            due_on=row.due_on.isoformat() if row.due_on else None,
            known_person=row.subject_id is not None,
        )
        return row

    try:
        row = in_transaction(work)
    except InvalidRequest as refused:
        return _new_page(422, form, _problems(refused.errors))
    return redirect(
        url_for("console_requests.request_page", request_id=row.id, done="recorded"), 303
    )


def _request_page(
    status: int,
    request_id: uuid.UUID,
    *,
    outcome: str = "",
    reason: str = "",
    problems: dict[str, str] | None = None,
) -> Response:
    try:
        with read_only() as registry:
            found = desk.get_request(registry.rights, request_id, clock.now())
    except RequestNotFound:
        abort(404)
    row, contacts = found.request, sessions.settings().contacts
    return render(
        "console/request.html",
        status,
        title=_("Request"),
        found=found,
        subject_url=f"/console/subjects/{row.subject_id}" if row.subject_id else None,
        may_close=signed_in().may(REQUESTS_RESOLVE),
        outcome=outcome,
        reason=reason,
        max_reason=MAX_REASON,
        problems=problems or {},
        done=_done(),
        authority_name=contacts.authority_name
        or _(
            "State Agency for Personal Data Protection under the Cabinet of Ministers of the "
            "Kyrgyz Republic"
        ),
        authority_url=contacts.authority_url,
        **_names(),
    )


@blueprint.get("/<uuid:request_id>")
@allow(needs(REQUESTS_WRITE))
def request_page(request_id: uuid.UUID) -> Response:
    """The request, its due day, and (for privacy staff) the form that closes it."""
    return _request_page(200, request_id)


@blueprint.post("/<uuid:request_id>/close")
@allow(needs(REQUESTS_RESOLVE))
def close_request(request_id: uuid.UUID) -> Response | WerkzeugResponse:
    """Record the outcome; a refusal without its reason comes back 422, nothing stored."""
    outcome, reason = _typed("outcome"), _typed("reason")

    def work(registry: SqlRepository) -> None:
        row = desk.close_request(registry.rights, request_id, outcome, reason, clock.now())
        _audit(
            registry,
            AuditAction.REQUEST_CLOSED,
            row,
            outcome=outcome,
            on_time=row.due_on is None or local_day(clock.now()) <= row.due_on,
        )

    try:
        in_transaction(work)
    except RequestNotFound:
        abort(404)
    except InvalidRequest as refused:
        return _request_page(
            422, request_id, outcome=outcome, reason=reason, problems=_problems(refused.errors)
        )
    except AlreadyClosed:
        return _request_page(
            409,
            request_id,
            problems={"outcome": _("This request was already closed; its outcome stays.")},
        )
    return redirect(
        url_for("console_requests.request_page", request_id=request_id, done="closed"), 303
    )
