"""Withdrawing one purpose for a person who asked (by phone, by letter), for whoever holds
`consents:withdraw` (support, privacy, admin).

The same two steps as the other actions on a person (subject_actions.py): a page that says
what happens, then its form, which acts only with the box ticked and a reason. The change is
the API's `PUT .../consents/{purpose}` to `withdrawn` (services/consents.set_consent), with
source `admin` and the officer as actor, `console:<user id>`; the reason goes to the console
audit log. Only a purpose that is granted or waiting for confirmation can be withdrawn here;
nothing is ever granted from the console, since a grant must come from the person.
"""

import uuid

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.console import sessions
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.pages import forbidden
from consent_service.console.subject_actions import MAX_REASON, confirmed_reason, page
from consent_service.console.subjects import audit_subject
from consent_service.domain.consent import ConsentStatus, Source
from consent_service.domain.errors import SubjectNotFound
from consent_service.domain.staff.accounts import AuditAction
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services.changes import ConfirmLinks
from consent_service.services.consents import change_context, set_consent

blueprint = Blueprint("console_subject_consents", __name__, url_prefix="/console/subjects")
csrf.protect(blueprint)
guard(blueprint, forbidden)
WITHDRAW = "consents:withdraw"
WITHDRAWABLE = (ConsentStatus.GRANTED.value, ConsentStatus.PENDING.value)


class NothingToWithdraw(Exception):
    """The purpose is not granted or pending for this person (any more)."""


def _withdrawable(subject_id: uuid.UUID, purpose: str) -> bool:
    with read_only() as registry:
        if registry.subject_by_id(subject_id) is None:
            abort(404)
        row = registry.consents_of(subject_id).get(purpose)
    return row is not None and row.status in WITHDRAWABLE


@blueprint.get("/<uuid:subject_id>/withdraw")
@allow(needs(WITHDRAW))
def withdraw_page(subject_id: uuid.UUID) -> Response:
    """What withdrawing `?purpose=` does, the reason and the confirmation."""
    purpose = request.args.get("purpose", "")[:64]
    if not _withdrawable(subject_id, purpose):
        abort(404)
    return page("withdraw", subject_id, purpose=purpose)


@blueprint.post("/<uuid:subject_id>/withdraw")
@allow(needs(WITHDRAW))
def withdraw(subject_id: uuid.UUID) -> Response | WerkzeugResponse:
    """Withdraw the purpose in the person's name; the ledger names the officer."""
    purpose = request.form.get("purpose", "")[:64]
    form = {"reason": request.form.get("reason", "")[:MAX_REASON]}
    if not _withdrawable(subject_id, purpose):
        problem = _("This purpose is not granted or waiting for this person. Nothing was changed.")
        return page("withdraw", subject_id, 422, problem=problem, form=form, purpose=purpose)
    problem, reason = confirmed_reason()
    if problem is not None or reason is None:
        return page("withdraw", subject_id, 422, problem=problem, form=form, purpose=purpose)
    settings = sessions.settings()

    def work(registry: SqlRepository) -> None:
        row = registry.consents_of(subject_id).get(purpose)
        if row is None or row.status not in WITHDRAWABLE:
            raise NothingToWithdraw
        context = change_context(
            registry, source=Source.ADMIN.value, actor=signed_in().name, now=clock.now()
        )
        view = set_consent(
            registry,
            subject_id,
            purpose,
            ConsentStatus.WITHDRAWN,
            context,
            settings.double_opt_in,
            links=ConfirmLinks(settings.secret_key, settings.public_base_url),
        )
        audit_subject(
            registry,
            AuditAction.CONSENT_WITHDRAWN,
            subject_id,
            purpose=purpose,
            reason=reason,
            version=view.subject.version,
        )

    try:
        in_transaction(work)
    except SubjectNotFound:
        abort(404)
    except NothingToWithdraw:
        problem = _("This purpose is not granted or waiting for this person. Nothing was changed.")
        return page("withdraw", subject_id, 409, problem=problem, form=form, purpose=purpose)
    target = url_for("console_subjects.subject", subject_id=subject_id, done="withdrawn")
    return redirect(target, 303)
