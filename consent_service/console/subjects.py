"""`/console/subjects`: find a person, and their page, for whoever holds `subjects:read`.

Finding takes a whole key (subject id, whole address, external id), never part of an address,
and every lookup, found or not, is a line in the console audit log with the query masked
(services/subject_desk.py, decision 0041). One person found opens their page; several (an
external id the shop gave twice) are listed; none is said so.

A person's page shows their consents (when, through what, under which policy version), their
ledger newest first with each entry's evidence, whether their chain verifies, the emails the
mailer sent them (asked over the broker as the export asks; no answer in time is said, never
an error), their recorded requests, and links to the actions (subject_actions.py).
"""

import json
import uuid
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.record_context import record_context
from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.pages import forbidden, render
from consent_service.domain.errors import SubjectNotFound
from consent_service.domain.purpose_texts import TITLES
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.faces import clock, csrf
from consent_service.faces.exports import mailer_part
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import subject_desk
from consent_service.services.consent_records import consent_records, records_document
from consent_service.services.export import MailerPartUnavailable
from consent_service.services.ports.transfers import TransferRow
from consent_service.services.transfers import transfer_of
from plumbing.logs import mask_key

blueprint = Blueprint("console_subjects", __name__, url_prefix="/console/subjects")
csrf.protect(blueprint)
guard(blueprint, forbidden)
READ = "subjects:read"
PAGE_SIZE = 50
"""Ledger entries per page of the timeline."""

DONE = {
    "erased": lambda: _(
        "The person was erased: their contact data is gone and the mailer was told. "
        "Their ledger stays, under a pseudonym."
    ),
}


DONE_HERE = {
    "rectified": lambda: _("The address was changed."),
    "withdrawn": lambda: _("The consent was withdrawn in the person's name."),
    "transfer": lambda: _(
        "The transfer was requested. The relay sends the person's data to the recipient and "
        "the ledger records the outcome."
    ),
}


def audit_key() -> bytes:
    """The key of the mask the logs use for addresses (plumbing/logs.py)."""
    return mask_key(sessions.settings().secret_key)


def audit_subject(
    registry: SqlRepository, action: AuditAction, subject_id: uuid.UUID | None, **details: Any
) -> None:
    """The console audit log's line for a lookup of, or an action on, a person, in the
    transaction of the action."""
    entry = AuditEntry(
        clock.now(),
        signed_in().account.id,
        action,
        f"subject:{subject_id}" if subject_id is not None else None,
        sessions.client_address(),
        details,
    )
    SqlStaffStore(registry).record(entry)


def _look_up(query: str) -> subject_desk.Lookup:
    """Find, and record the lookup, in one transaction: no lookup goes unrecorded."""

    def work(registry: SqlRepository) -> subject_desk.Lookup:
        found = subject_desk.find_subjects(registry, query)
        only = found.subjects[0].id if len(found.subjects) == 1 else None
        audit_subject(
            registry,
            AuditAction.SUBJECT_LOOKED_UP,
            only,
            query=subject_desk.masked_query(query, audit_key()),
            matched=found.matched,
            found=[str(row.id) for row in found.subjects],
        )
        return found

    return in_transaction(work)


@blueprint.get("")
@allow(needs(READ))
def find() -> Response | WerkzeugResponse:
    """The search form; with `q`, the person it names whole (or the people, or nobody)."""
    query = request.args.get("q", "")
    done = DONE.get(request.args.get("done", ""))
    if not query.strip():
        shown = done() if done else None
        return render("console/subjects.html", title=_("People"), query="", done=shown)
    found = _look_up(query)
    if len(found.subjects) == 1:
        return redirect(url_for(".subject", subject_id=found.subjects[0].id), 303)
    return render(
        "console/subjects.html",
        title=_("People"),
        query=query[: subject_desk.MAX_QUERY],
        searched=True,
        found=found.subjects,
        too_many=len(found.subjects) >= subject_desk.MAX_FOUND,
    )


def _page_number(pages: int) -> int:
    try:
        wanted = int(request.args.get("page", "1"))
    except ValueError:
        return 1
    return min(max(wanted, 1), max(pages, 1))


def _emails(subject_id: uuid.UUID) -> list[dict[str, Any]] | None:
    """What the mailer sent the person, newest first; None when it did not answer in time."""
    try:
        emails = mailer_part().emails_of(subject_id)
    except MailerPartUnavailable:
        return None
    shown = [email | {"sent": _moment(email.get("sent_at"))} for email in emails]
    return sorted(shown, key=lambda email: email.get("sent_at") or "", reverse=True)


def _moment(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _transfer(subject_id: uuid.UUID) -> TransferRow | None:
    """The transfer the page was sent back with (`transfer`), if it is this person's."""
    try:
        transfer_id = uuid.UUID(request.args.get("transfer", ""))
    except ValueError:
        return None
    with read_only() as registry:
        return transfer_of(registry, subject_id, transfer_id)


@blueprint.get("/<uuid:subject_id>")
@allow(needs(READ))
def subject(subject_id: uuid.UUID) -> Response:
    """One person: consents, ledger timeline with its verification, emails, requests."""
    with read_only() as registry:
        try:
            found = subject_desk.dossier(registry, subject_id)
        except SubjectNotFound:
            abort(404)
    pages = -(-len(found.entries) // PAGE_SIZE)
    page = _page_number(pages)
    done = request.args.get("done", "")
    return render(
        "console/subject.html",
        title=_("A person"),
        dossier=found,
        subject=found.view.subject,
        consents=sorted(found.view.consents.values(), key=lambda row: row.purpose),
        entries=found.entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        page=page,
        pages=pages,
        emails=_emails(subject_id),
        purposes=TITLES,
        done=DONE_HERE[done]() if done in DONE_HERE else None,
        transfer=_transfer(subject_id) if done == "transfer" else None,
        may=signed_in().may,
    )


@blueprint.get("/<uuid:subject_id>/consent-record")
@allow(needs(READ))
def consent_record(subject_id: uuid.UUID) -> Response:
    """The person's ISO/IEC TS 27560 consent records as a JSON-LD file, the document
    `GET /v1/subjects/{id}/consent-record` answers (decision 0037): what an auditor or the person
    is handed as proof of their consents, under their pseudonymous id. Recorded in the audit
    log like every look at a person."""
    context = record_context(current_app.extensions["consent.settings"])

    def work(registry: SqlRepository) -> list[dict[str, Any]]:
        records = consent_records(registry, subject_id, context)
        audit_subject(registry, AuditAction.SUBJECT_CONSENT_RECORDS_DOWNLOADED, subject_id)
        return records

    try:
        records = in_transaction(work)
    except SubjectNotFound:
        abort(404)
    body = json.dumps(records_document(records), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/ld+json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="consent-records-{subject_id}.jsonld"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
