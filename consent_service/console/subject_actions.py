"""A person's actions in the console: rectify the address, export, transfer, erase, each
confirmed.

Every action is two steps: a GET page that says what will happen and holds the form, then
the POST of that form, which acts only when its confirmation box is ticked (a POST without
it, or with a bad CSRF field, changes nothing). Rectification needs `subjects:rectify`
(support and privacy); export and erasure need `subjects:export` and `subjects:erase`
(privacy; SPEC section 9). A transfer to a registered recipient (GDPR Art. 20(2)) needs
`subjects:export` too: it queues the person's export for the relay to deliver (services/
transfers.py), and the person's page then says how the transfer stands. The ledger names the
officer as `console:<user id>`; the reason they type goes into the console audit log with the
action, addresses in it masked (decision 0041). The export is the one every face hands out
(services/export.py): JSON, or a zip of CSV tables, and never without the mailer's part.
"""

import json
import uuid
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.console import sessions
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.pages import forbidden, render
from consent_service.console.subjects import audit_key, audit_subject
from consent_service.domain.consent import Source
from consent_service.domain.errors import Conflict, DomainError, InvalidEmail, SubjectNotFound
from consent_service.domain.purpose_texts import TITLES
from consent_service.domain.staff.accounts import AuditAction
from consent_service.faces import clock, csrf
from consent_service.faces.exports import exporter
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import subject_desk
from consent_service.services.changes import ConfirmLinks
from consent_service.services.erasure import Erasure, erase
from consent_service.services.export import MailerPartUnavailable, csv_zip
from consent_service.services.ports.subjects import SubjectRow
from consent_service.services.ports.transfers import RecipientRow
from consent_service.services.subject_changes import Rectification, rectify
from consent_service.services.transfers import UnknownRecipient, request_transfer
from plumbing.db import scrub_sqlite
from plumbing.text import storable

blueprint = Blueprint("console_subject_actions", __name__, url_prefix="/console/subjects")
csrf.protect(blueprint)
guard(blueprint, forbidden)
RECTIFY, EXPORT, ERASE = "subjects:rectify", "subjects:export", "subjects:erase"
MAX_REASON = 500
MAX_TYPED = 320
FORMATS = ("json", "csv")


def _subject(subject_id: uuid.UUID) -> SubjectRow:
    with read_only() as registry:
        found = registry.subject_by_id(subject_id)
    if found is None:
        abort(404)
    return found


def page(action: str, subject_id: uuid.UUID, status: int = 200, **context: Any) -> Response:
    """The confirmation page of `action` on the person (404 for an unknown or erased one),
    with what was typed (`form`) and why it could not act (`problem`)."""
    titles = {
        "rectify": _("Correct the address"),
        "export": _("Export the person's data"),
        "erase": _("Erase the person"),
        "withdraw": _("Withdraw a consent"),
        "transfer": _("Transfer the person's data"),
    }
    endpoints = {
        "rectify": "console_subject_actions.rectify_subject",
        "export": "console_subject_actions.export_subject",
        "erase": "console_subject_actions.erase_subject",
        "withdraw": "console_subject_consents.withdraw",
        "transfer": "console_subject_actions.transfer_subject",
    }
    return render(
        "console/subject_action.html",
        status,
        title=titles[action],
        action=action,
        endpoint=endpoints[action],
        purposes=TITLES,
        subject=_subject(subject_id),
        form=context.pop("form", {}),
        **context,
    )


def _typed(name: str, limit: int = MAX_TYPED) -> str:
    return request.form.get(name, "")[:limit].strip()


def _unconfirmed() -> str | None:
    """Why the form cannot act yet: its confirmation box is not ticked."""
    if request.form.get("confirm") != "yes":
        return _("Tick the box to confirm. Nothing was changed.")
    return None


def _reason() -> str | None:
    reason = request.form.get("reason", "").strip()
    if not reason or len(reason) > MAX_REASON or not storable(reason):
        return None
    return subject_desk.masked_text(reason, audit_key())


def confirmed_reason() -> tuple[str | None, str | None]:
    """Why the form cannot act (or None), and the reason as the audit log keeps it."""
    problem, reason = _unconfirmed(), _reason()
    if problem is None and reason is None:
        problem = _("Say why, in at most %(count)s characters.", count=MAX_REASON)
    return problem, reason


@blueprint.get("/<uuid:subject_id>/rectify")
@allow(needs(RECTIFY))
def rectify_page(subject_id: uuid.UUID) -> Response:
    """The form for a new address, with the reason and the confirmation."""
    return page("rectify", subject_id)


def _rectify_refusal(error: DomainError) -> tuple[str, int]:
    if isinstance(error, InvalidEmail):
        return _("This is not an email address we can use."), 422
    if isinstance(error, Conflict):
        return _(
            "This address belongs to someone else, or it bounced and is suppressed. "
            "Nothing was changed."
        ), 409
    return _("This change was not made."), 422


@blueprint.post("/<uuid:subject_id>/rectify")
@allow(needs(RECTIFY))
def rectify_subject(subject_id: uuid.UUID) -> Response | WerkzeugResponse:
    """Store the new address (unconfirmed until the person confirms it) and log why."""
    form = {"email": _typed("email"), "reason": _typed("reason", MAX_REASON)}
    problem, reason = confirmed_reason()
    if problem is not None or reason is None:
        return page("rectify", subject_id, 422, problem=problem, form=form)
    settings = sessions.settings()
    context = Rectification(Source.ADMIN.value, signed_in().name, clock.now())

    def work(registry: SqlRepository) -> list[str]:
        changed = rectify(
            registry,
            subject_id,
            {"email": form["email"]},
            context,
            suppression_keys=(settings.secret_key, *settings.previous_secret_keys),
            links=ConfirmLinks(settings.secret_key, settings.public_base_url),
        )
        if changed:
            version = registry.subject_by_id(subject_id)
            audit_subject(
                registry,
                AuditAction.SUBJECT_RECTIFIED,
                subject_id,
                changed=changed,
                reason=reason,
                version=version.version if version else None,
            )
        return changed

    try:
        changed = in_transaction(work)
    except SubjectNotFound:
        abort(404)
    except DomainError as error:
        problem, status = _rectify_refusal(error)
        return page("rectify", subject_id, status, problem=problem, form=form)
    if not changed:
        problem = _("This is the address we already hold. Nothing was changed.")
        return page("rectify", subject_id, 422, problem=problem, form=form)
    target = url_for("console_subjects.subject", subject_id=subject_id, done="rectified")
    return redirect(target, 303)


@blueprint.get("/<uuid:subject_id>/export")
@allow(needs(EXPORT))
def export_page(subject_id: uuid.UUID) -> Response:
    """The choice of format and the confirmation; the POST answers with the file."""
    return page("export", subject_id)


@blueprint.post("/<uuid:subject_id>/export")
@allow(needs(EXPORT))
def export_subject(subject_id: uuid.UUID) -> Response:
    """The person's export as a download: both parts, or nothing if the mailer is silent."""
    chosen = request.form.get("format", "")
    form = {"format": chosen}
    problem = _unconfirmed()
    if problem is None and chosen not in FORMATS:
        problem = _("Choose JSON or CSV.")
    if problem is not None:
        return page("export", subject_id, 422, problem=problem, form=form)
    try:
        data = exporter().export(subject_id)
    except SubjectNotFound:
        abort(404)
    except MailerPartUnavailable:
        problem = _("The mailer did not answer in time, so nothing was exported. Try again.")
        return page("export", subject_id, 503, problem=problem, form=form)
    in_transaction(
        lambda registry: audit_subject(
            registry, AuditAction.SUBJECT_EXPORTED, subject_id, format=chosen
        )
    )
    if chosen == "csv":
        response = Response(csv_zip(data), mimetype="application/zip")
        name = f"subject-{subject_id}.zip"
    else:
        response = Response(json.dumps(data, ensure_ascii=False), mimetype="application/json")
        name = f"subject-{subject_id}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.get("/<uuid:subject_id>/erase")
@allow(needs(ERASE))
def erase_page(subject_id: uuid.UUID) -> Response:
    """What erasure does, the reason and the confirmation."""
    return page("erase", subject_id)


@blueprint.post("/<uuid:subject_id>/erase")
@allow(needs(ERASE))
def erase_subject(subject_id: uuid.UUID) -> Response | WerkzeugResponse:
    """Erase the person as the API does; the ledger names the officer, the log says why."""
    form = {"reason": _typed("reason", MAX_REASON)}
    problem, reason = confirmed_reason()
    if problem is not None or reason is None:
        return page("erase", subject_id, 422, problem=problem, form=form)
    context = Erasure(Source.ADMIN.value, signed_in().name, clock.now())
    secret_key = sessions.settings().secret_key

    def work(registry: SqlRepository) -> None:
        erased = erase(registry, subject_id, context, secret_key)
        audit_subject(
            registry,
            AuditAction.SUBJECT_ERASED,
            subject_id,
            reason=reason,
            version=erased.version,
        )

    try:
        in_transaction(work)
    except SubjectNotFound:
        abort(404)
    scrub_sqlite(current_app.extensions["consent.engine"])
    return redirect(url_for("console_subjects.find", done="erased"), 303)


def _recipients() -> list[RecipientRow]:
    with read_only() as registry:
        return sorted(registry.transfers.recipients(), key=lambda row: row.name)


@blueprint.get("/<uuid:subject_id>/transfer")
@allow(needs(EXPORT))
def transfer_page(subject_id: uuid.UUID) -> Response:
    """The registered recipients to choose from, the reason and the confirmation."""
    return page("transfer", subject_id, recipients=_recipients())


@blueprint.post("/<uuid:subject_id>/transfer")
@allow(needs(EXPORT))
def transfer_subject(subject_id: uuid.UUID) -> Response | WerkzeugResponse:
    """Queue the person's export for the chosen recipient; the relay delivers it."""
    recipients = _recipients()
    chosen = request.form.get("recipient", "")[:MAX_TYPED]
    form = {"recipient": chosen, "reason": _typed("reason", MAX_REASON)}
    problem, reason = confirmed_reason()
    if problem is None and chosen not in {row.name for row in recipients}:
        problem = _("Choose one of the registered recipients. Nothing was sent.")
    if problem is not None or reason is None:
        return page("transfer", subject_id, 422, problem=problem, form=form, recipients=recipients)
    requested_by = signed_in().name

    def work(registry: SqlRepository) -> uuid.UUID:
        row = request_transfer(registry, subject_id, chosen, requested_by, clock.now())
        audit_subject(
            registry,
            AuditAction.SUBJECT_TRANSFER_REQUESTED,
            subject_id,
            recipient=chosen,
            transfer=str(row.id),
            reason=reason,
        )
        return row.id

    try:
        transfer_id = in_transaction(work)
    except SubjectNotFound:
        abort(404)
    except UnknownRecipient:  # unregistered between the page and the post
        problem = _("Choose one of the registered recipients. Nothing was sent.")
        return page("transfer", subject_id, 422, problem=problem, form=form, recipients=recipients)
    target = url_for(
        "console_subjects.subject", subject_id=subject_id, done="transfer", transfer=transfer_id
    )
    return redirect(target, 303)
