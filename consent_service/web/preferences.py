"""The preference centre `/preferences/{token}`: every purpose, language, download, deletion.

The link in every campaign email opens it with no login: the signed token names the person
(intent `preferences`), and the forms carry a CSRF field. The GETs change nothing; each POST
runs in one transaction committed before the answer (SPEC guarantee 5). What saving means,
and why a grant here needs no second confirmation email, is in services/preferences.py.
"""

import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.domain import gpc
from consent_service.domain.errors import DomainError, SubjectNotFound
from consent_service.domain.purposes import CATALOGUE, CONSENT_PURPOSES, LegalBasis
from consent_service.faces import csrf
from consent_service.faces.clock import now
from consent_service.faces.exports import exporter
from consent_service.faces.languages import LANGUAGE_NAMES, speak_as_subject
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import preferences
from consent_service.services.changes import ConfirmLinks
from consent_service.services.export import MailerPartUnavailable
from consent_service.services.preferences import Choices, Preferences
from consent_service.services.views import history
from consent_service.web import preference_history
from consent_service.web.errors import error_page
from consent_service.web.link_pages import evidence, gone, gpc_signalled, invalid_link, signer
from consent_service.web.pages import render, settings
from plumbing.db import scrub_sqlite
from plumbing.tokens import Intent, InvalidToken, LinkClaim

blueprint = Blueprint("preferences", __name__)
csrf.protect(blueprint)

T = TypeVar("T")


def _claim(token: str) -> LinkClaim | None:
    """The token's claim; None for a tampered, foreign-intent or expired token alike."""
    try:
        return signer().read(Intent.PREFERENCES, token)
    except InvalidToken:
        return None


def _read(work: Callable[[SqlRepository], T]) -> T | None:
    """None when the subject is unknown or erased."""
    try:
        with read_only() as registry:
            return work(registry)
    except SubjectNotFound:
        return None


def _state(status: str | None) -> str:
    return {
        "granted": _("Granted"),
        "withdrawn": _("Withdrawn"),
        "pending": _("Waiting for confirmation"),
    }.get(status or "", _("Never asked"))


def _basis(basis: LegalBasis) -> str:
    return _("contract") if basis is LegalBasis.CONTRACT else _("legitimate interest")


def _page_context(token: str, shown: Preferences) -> dict[str, Any]:
    consent = [p for p in CATALOGUE.values() if p.id in CONSENT_PURPOSES]
    contacts = settings().contacts
    return {
        "token": token,
        "purposes": [
            {
                "id": p.id,
                "title": _(p.title),
                "description": _(p.description),
                "state": _state(shown.statuses[p.id]),
                "ticked": shown.ticked(p.id),
            }
            for p in consent
        ],
        "shown": ",".join(p.id for p in consent if shown.ticked(p.id)),
        "others": [
            {"title": _(p.title), "description": _(p.description), "basis": _basis(p.legal_basis)}
            for p in CATALOGUE.values()
            if p.id not in CONSENT_PURPOSES
        ],
        "locales": LANGUAGE_NAMES,
        "stored_locale": shown.locale,
        "authority_name": contacts.authority_name
        or _(
            "State Agency for Personal Data Protection under the Cabinet of Ministers of the "
            "Kyrgyz Republic"
        ),
        "authority_url": contacts.authority_url,
        "controller": contacts.controller,
    }


def _notice(status: int, token: str, title: str, lead: str) -> Response:
    back = url_for("preferences.page", token=token)
    return render("web/preferences_notice.html", status, title=title, lead=lead, back=back)


@blueprint.get("/preferences/<token>")
def page(token: str) -> Response:
    """The person's choices, each with its state, their history, and the ways to act on their
    data. A browser sending the GPC signal is told it was received and honoured: the shop
    sells and shares nothing, so the signal leaves every choice as it is (decision 0039)."""
    claim = _claim(token)
    if claim is None:
        return invalid_link()
    found = _read(
        lambda registry: (
            preferences.preferences(registry, claim.subject_id),
            history(registry, claim.subject_id),
        )
    )
    if found is None:
        return gone()
    shown, entries = found
    speak_as_subject(shown.locale)
    response = render(
        "web/preferences.html",
        title=_("Your privacy choices"),
        saved=request.args.get("saved") == "1",
        gpc=gpc_signalled(),
        history=preference_history.history(entries, _state),
        **_page_context(token, shown),
    )
    response.vary.add(gpc.HEADER)  # the GPC note is there only for a browser that sends it
    return response


def _choices() -> Choices:
    shown = request.form.get("shown")
    return Choices(
        ticked=frozenset(request.form.getlist("purpose")),
        locale=request.form.get("locale"),
        shown=None if shown is None else frozenset(p for p in shown.split(",") if p),
    )


@blueprint.post("/preferences/<token>")
def save(token: str) -> Response | WerkzeugResponse:
    """Store what the person switched and the language chosen, then show the page again."""
    claim = _claim(token)
    if claim is None:
        return invalid_link()
    current, choices, shown, moment = settings(), _choices(), evidence(), now()
    try:
        in_transaction(
            lambda registry: preferences.save(
                registry,
                claim.subject_id,
                choices,
                issued_at=claim.issued_at,
                now=moment,
                evidence=shown,
                double_opt_in=current.double_opt_in,
                links=ConfirmLinks(current.secret_key, current.public_base_url),
            )
        )
    except SubjectNotFound:
        return gone()
    except DomainError:
        return _notice(
            400,
            token,
            _("Your choices could not be saved"),
            _("The form held a choice we do not know. Nothing was changed; please try again."),
        )
    return redirect(url_for("preferences.page", token=token, saved=1), 303)


@blueprint.post("/preferences/<token>/export")
def download(token: str) -> Response:
    """Everything held about the person as a JSON file (a POST: it is personal data)."""
    claim = _claim(token)
    if claim is None:
        return invalid_link()
    try:
        data = preferences.export(exporter(), claim.subject_id)
    except SubjectNotFound:
        return gone()
    except MailerPartUnavailable:
        return error_page(503)
    moment, due_days = now(), settings().request_due_days
    in_transaction(
        lambda registry: preferences.record_download(registry, claim.subject_id, moment, due_days)
    )
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@blueprint.get("/preferences/<token>/delete")
def delete_page(token: str) -> Response:
    """What deletion means, and one button. Changes nothing."""
    claim = _claim(token)
    if claim is None:
        return invalid_link()
    shown = _read(lambda registry: preferences.preferences(registry, claim.subject_id))
    if shown is None:
        return gone()
    speak_as_subject(shown.locale)
    back = url_for("preferences.page", token=token)
    return render("web/delete_confirm.html", title=_("Delete my data"), back=back)


@blueprint.post("/preferences/<token>/delete")
def delete(token: str) -> Response:
    """Erase the person's data now; the page says it is done, and the link leads nowhere."""
    claim = _claim(token)
    if claim is None:
        return invalid_link()
    current, moment = settings(), now()
    try:
        erased = in_transaction(
            lambda registry: preferences.erase_on_request(
                registry, claim.subject_id, moment, current.secret_key, current.request_due_days
            )
        )
    except SubjectNotFound:
        return gone()
    scrub_sqlite(current_app.extensions["consent.engine"])
    speak_as_subject(erased.locale)
    return render(
        "web/notice.html",
        title=_("Your data has been deleted"),
        lead=_(
            "We deleted your email address, your name and your choices, and we will send you "
            "no more emails. This link no longer opens anything."
        ),
    )
