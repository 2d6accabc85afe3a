"""`/console/reports`: the consent report for people holding `reports:read` (the privacy
officer and administrators), chosen on a plain GET form and downloaded as the API streams it.

The form's choices are the API's (decision 0038), with days instead of instants: the first and
the last day, both included, as days in the shop's time zone like every date the console
shows. A bad choice draws the form again with what is wrong, before anything is read; a good
one is written to the console audit log and the download starts.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from marshmallow import ValidationError

from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.pages import forbidden, render
from consent_service.domain.purpose_texts import TITLES
from consent_service.domain.reports import ReportFilters, ReportKind
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.domain.tallies import DAY_ZONE
from consent_service.faces import clock, csrf
from consent_service.faces.reports import report_response
from consent_service.faces.transactions import in_transaction
from consent_service.services.reports import ReportFormat
from plumbing.vocabulary import CONSENT_PURPOSES, SOURCES
from schemas.api.reports import ReportFormSchema

blueprint = Blueprint("console_reports", __name__, url_prefix="/console")
csrf.protect(blueprint)
guard(blueprint, forbidden)

REPORTS_READ = "reports:read"
_form = ReportFormSchema()


def _page(status: int, values: dict[str, str], errors: dict[str, Any]) -> Response:
    return render(
        "console/reports.html",
        status,
        title=_("Consent report"),
        values=values,
        invalid=sorted(errors),
        purposes=[(p, TITLES[p]) for p in sorted(CONSENT_PURPOSES)],
        statuses=[
            ("granted", _("Granted")),
            ("pending", _("Waiting for confirmation")),
            ("withdrawn", _("Withdrawn")),
        ],
        sources=SOURCES,
    )


@blueprint.get("/reports")
@allow(needs(REPORTS_READ))
def reports() -> Response:
    """The report's form: what to include and in which format."""
    return _page(200, {}, {})


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), DAY_ZONE)


def filters_from(form: dict[str, Any]) -> ReportFilters:
    """The filters the loaded form asks for; the last day is included."""
    last: date | None = form.get("last_day")
    return ReportFilters(
        kind=ReportKind(form["kind"]),
        purpose=form.get("purpose"),
        status=form.get("status"),
        source=form.get("source"),
        policy_version=form.get("policy_version"),
        since=_start_of(form.get("first_day")),
        until=_start_of(last + timedelta(days=1) if last is not None else None),
    )


@blueprint.get("/reports/download")
@allow(needs(REPORTS_READ))
def download() -> Response:
    """The report the form chose, streamed; the form again (422) if a choice is not valid."""
    given = {name: value for name, value in request.args.items() if value.strip()}
    try:
        form = _form.load(given)
    except ValidationError as error:
        errors = error.messages if isinstance(error.messages, dict) else {"kind": []}
        return _page(422, dict(request.args.items()), errors)
    filters = filters_from(form)
    entry = AuditEntry(
        clock.now(),
        signed_in().account.id,
        AuditAction.REPORT_DOWNLOADED,
        f"report:{filters.kind}",
        sessions.client_address(),
        {name: str(value) for name, value in given.items()},
    )
    in_transaction(lambda registry: SqlStaffStore(registry).record(entry))
    return report_response(filters, ReportFormat(form["format"]), counted=True)
