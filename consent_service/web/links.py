"""The pages behind the links of every email: `/confirm/{token}` and `/u/{token}` (no API key).

A GET only shows a page with one button; only a POST changes anything, because mail
scanners and link previews fetch every URL in a message (RFC 8058 section 1). The signed
token in the path names the person, the purpose and the intent (docs/decisions/0010); the
pages' own forms carry a CSRF field, while the RFC 8058 one-click POST, sent by a mail
provider with no cookie, is exempt (section 3.2). A double opt-in link works once; a used or
expired one leads to a page that can ask for a new one.
"""

import contextlib
import ipaddress
from collections.abc import Callable
from typing import Protocol, TypeVar

from flask import Blueprint, Response, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.link_token_store import LinkTokenStore, TokenUse
from consent_service.adapters.repository import Registry
from consent_service.api.http import in_transaction, now, read_only
from consent_service.domain.card_numbers import looks_like_card_number
from consent_service.domain.consent import Source
from consent_service.domain.errors import SubjectNotFound
from consent_service.domain.purposes import CATALOGUE
from consent_service.services import links
from consent_service.services.changes import ConfirmLinks
from consent_service.services.links import LinkAlreadyUsed, LinkSuperseded, LinkTarget
from consent_service.web import csrf
from consent_service.web.errors import error_page
from consent_service.web.i18n import language_choice, speak_as_subject
from consent_service.web.limits import is_one_click
from consent_service.web.pages import render, settings
from schemas.tokens import (
    ALL_EMAIL,
    ExpiredToken,
    Intent,
    InvalidToken,
    LinkClaim,
    LinkSigner,
    preferences_url,
    token_digest,
)


class _Located(Protocol):
    @property
    def locale(self) -> str: ...


T = TypeVar("T", bound=_Located)


blueprint = Blueprint("links", __name__)
csrf.protect(blueprint, exempt_when=is_one_click)


def signer() -> LinkSigner:
    current = settings()
    return LinkSigner(
        current.secret_key,
        current.previous_secret_keys,
        confirm_max_age=current.confirm_token_max_age,
    )


def confirm_links() -> ConfirmLinks:
    current = settings()
    return ConfirmLinks(current.secret_key, current.public_base_url)


def purpose_label(purpose: str) -> str:
    if purpose == ALL_EMAIL:
        return _("all our emails")
    return _(CATALOGUE[purpose].title)


def labels(purposes: list[str]) -> list[str]:
    return [purpose_label(p) for p in purposes]


def _notice(
    status: int, title: str, lead: str, purposes: list[str] | None = None, **extra: object
) -> Response:
    return render(
        "web/notice.html", status, title=title, lead=lead, purposes=labels(purposes or []), **extra
    )


def invalid_link() -> Response:
    return _notice(
        400,
        _("This link is not valid"),
        _("The link is damaged or has expired. Use the link in a newer email."),
    )


def gone() -> Response:
    return _notice(
        404,
        _("Not found"),
        _("We no longer hold any data about the person this link was sent to."),
    )


def claim_of(intent: Intent, token: str) -> LinkClaim | None:
    try:
        return signer().read(intent, token)
    except InvalidToken:
        return None


def evidence() -> dict[str, str]:
    """What the click showed of itself: the network (truncated later) and the user agent."""
    found: dict[str, str] = {}
    with contextlib.suppress(ValueError):  # a unix socket has no address to keep
        found["ip"] = str(ipaddress.ip_address(request.remote_addr or ""))
    agent = request.headers.get("User-Agent", "").strip()[:512]
    if agent and not looks_like_card_number(agent):
        found["user_agent"] = agent
    return found


def read(work: Callable[[Registry], T]) -> T | None:
    try:
        with read_only() as registry:
            target = work(registry)
    except SubjectNotFound:
        return None
    speak_as_subject(target.locale)
    return target


def write(work: Callable[[Registry], T]) -> T | None:
    """Run in a transaction committed before the answer is sent (SPEC guarantee 5)."""
    try:
        target = in_transaction(work)
    except SubjectNotFound:
        return None
    speak_as_subject(target.locale)
    return target


def _nothing_to_confirm() -> Response:
    return _notice(
        200, _("Nothing to confirm"), _("Nothing is waiting for confirmation for this address.")
    )


def _stale_confirmation(claim: LinkClaim, token: str, *, expired: bool) -> Response:
    """410 for a used or expired double opt-in link, offering a new one if still needed."""
    target = read(lambda registry: links.pending_confirmation(registry, claim.subject_id))
    if target is None:
        return gone()
    if expired:
        title = _("This link has expired")
        lead = _("For your safety, confirmation links work for a limited time only.")
    else:
        title = _("This link has already been used")
        lead = _("Each confirmation link works only once.")
    if not target.purposes:
        detail = _("Nothing is waiting for confirmation for this address.")
        return _notice(410, title, lead, detail=detail)
    return render(
        "web/confirm_stale.html",
        410,
        title=title,
        lead=lead,
        detail=_("We can email you a new link to confirm:"),
        purposes=labels(target.purposes),
        resend_url=url_for("links.resend_confirmation", token=token),
    )


def _confirm_claim(token: str) -> LinkClaim | Response:
    """The claim of a usable confirmation token, or the page that says why it is not."""
    try:
        return signer().read(Intent.CONFIRM, token)
    except ExpiredToken as expired:
        return _stale_confirmation(expired.claim, token, expired=True)
    except InvalidToken:
        return invalid_link()


@blueprint.get("/confirm/<token>")
def confirm_page(token: str) -> Response:
    """The double opt-in page: the pending purposes and one button. Changes nothing."""
    claim = _confirm_claim(token)
    if isinstance(claim, Response):
        return claim
    digest = token_digest(token)
    target = read(
        lambda registry: links.confirmation_link(
            registry, LinkTokenStore(registry.session), digest, claim.subject_id, claim.issued_at
        )
    )
    if target is None:
        return gone()
    if target.superseded:  # sent to an earlier address: as good as expired
        return _stale_confirmation(claim, token, expired=True)
    if target.used:
        return _stale_confirmation(claim, token, expired=False)
    if not target.purposes:
        return _nothing_to_confirm()
    return render(
        "web/ask.html",
        title=_("Confirm your subscription"),
        lead=_("Press the button to confirm that you want to receive:"),
        purposes=labels(target.purposes),
        button=_("Confirm"),
        button_id="confirm",
    )


@blueprint.post("/confirm/<token>")
def confirm(token: str) -> Response:
    """Use the link: grant every pending purpose (source `double_opt_in`), once."""
    claim = _confirm_claim(token)
    if isinstance(claim, Response):
        return claim
    moment, shown = now(), evidence()
    use = TokenUse(
        token_digest(token),
        Intent.CONFIRM.value,
        claim.subject_id,
        moment,
        signer().expires_at(claim),
    )
    try:
        target = write(
            lambda registry: links.confirm(
                registry, LinkTokenStore(registry.session), use, moment, shown, claim.issued_at
            )
        )
    except LinkAlreadyUsed:
        return _stale_confirmation(claim, token, expired=False)
    except LinkSuperseded:
        return _stale_confirmation(claim, token, expired=True)
    if target is None:
        return gone()
    if not target.purposes:
        return _nothing_to_confirm()
    return _notice(
        200,
        _("Thank you, your subscription is confirmed"),
        _("From now on you will receive:"),
        target.purposes,
    )


@blueprint.post("/confirm/<token>/resend")
def resend_confirmation(token: str) -> Response:
    """Ask for a new double opt-in email; a used or expired genuine link may ask."""
    try:
        claim = signer().read(Intent.CONFIRM, token)
    except ExpiredToken as expired:
        claim = expired.claim
    except InvalidToken:
        return invalid_link()
    moment, sender = now(), confirm_links()
    target = write(
        lambda registry: links.resend_confirmation(registry, claim.subject_id, sender, moment)
    )
    if target is None:
        return gone()
    if not target.purposes:
        return _nothing_to_confirm()
    return _notice(
        200,
        _("We sent you a new link"),
        _("Check your inbox: the new email asks you to confirm:"),
        target.purposes,
    )


@blueprint.get("/u/<token>")
def unsubscribe_page(token: str) -> Response:
    """The unsubscribe page: what the button would stop. Changes nothing."""
    claim = claim_of(Intent.UNSUBSCRIBE, token)
    if claim is None:
        return invalid_link()
    target = read(
        lambda registry: links.unsubscribe_target(registry, claim.subject_id, claim.purpose)
    )
    if target is None:
        return gone()
    return render(
        "web/ask.html",
        title=_("Unsubscribe"),
        lead=_("Press the button to stop receiving:"),
        purposes=labels(target.purposes or [claim.purpose]),
        button=_("Unsubscribe"),
        button_id="unsubscribe",
    )


def _unsubscribed(claim: LinkClaim, token: str, target: LinkTarget) -> Response:
    """The page after the button: what stopped, the preference centre, and an undo."""
    if target.purposes:
        lead = _("You will no longer receive:")
    else:
        lead = _("You were already unsubscribed; nothing was changed.")
    preferences = signer().preferences_token(claim.subject_id)
    return render(
        "web/unsubscribe_done.html",
        title=_("You are unsubscribed"),
        lead=lead,
        purposes=labels(target.purposes),
        withdrawn=target.purposes,
        preferences_url=preferences_url(request.script_root, preferences),
        undo_url=url_for("links.undo_unsubscribe", token=token),
    )


@blueprint.post("/u/<token>")
def unsubscribe(token: str) -> Response:
    """Withdraw the link's purpose: RFC 8058 one-click, or the page's button.

    One-click is `List-Unsubscribe=One-Click` as a form body (urlencoded or multipart), sent
    by the mail client with no cookie; it is answered 200 directly, never redirected (RFC
    8058 section 3.1), with a page that sets no cookie. For a subject the registry does not
    hold (erased, or never known) one-click also answers 200: there is nothing left to
    withdraw, and an error would only make a mail provider retry; the person is already not
    mailed. The page's button gets an honest 404 page instead.
    """
    claim = claim_of(Intent.UNSUBSCRIBE, token)
    if claim is None:
        return invalid_link()
    one_click = is_one_click()
    source = Source.ONE_CLICK if one_click else Source.UNSUBSCRIBE_LINK
    moment, shown = now(), evidence()
    target = write(
        lambda registry: links.unsubscribe(
            registry, claim.subject_id, claim.purpose, source=source, now=moment, evidence=shown
        )
    )
    if not one_click:
        return gone() if target is None else _unsubscribed(claim, token, target)
    if target is None or not target.purposes:
        return _notice(
            200,
            _("You are unsubscribed"),
            _("You were already unsubscribed; nothing was changed."),
        )
    return _notice(
        200, _("You are unsubscribed"), _("You will no longer receive:"), target.purposes
    )


@blueprint.post("/u/<token>/undo")
def undo_unsubscribe(token: str) -> Response:
    """Subscribe again to what the link withdrew: a new, explicit decision of the person."""
    claim = claim_of(Intent.UNSUBSCRIBE, token)
    if claim is None:
        return invalid_link()
    purposes = links.undoable(claim.purpose, request.form.getlist("purpose"))
    if purposes is None:
        return error_page(400)
    moment, shown, sender = now(), evidence(), confirm_links()
    double_opt_in = settings().double_opt_in
    result = write(
        lambda registry: links.resubscribe(
            registry,
            claim.subject_id,
            purposes,
            double_opt_in=double_opt_in,
            links=sender,
            now=moment,
            evidence=shown,
        )
    )
    if result is None:
        return gone()
    if result.granted:
        title, lead = _("You are subscribed again"), _("You will receive again:")
    elif result.pending:
        title, lead = _("Please confirm your email address"), ""
    else:
        title, lead = _("Nothing was changed"), _("You already receive these emails.")
    preferences = signer().preferences_token(claim.subject_id)
    return render(
        "web/unsubscribe_undone.html",
        title=title,
        lead=lead,
        purposes=labels(result.granted),
        pending=labels(result.pending),
        preferences_url=preferences_url(request.script_root, preferences),
    )


@blueprint.get("/confirm/<token>/resend")
@blueprint.get("/u/<token>/undo")
def after_post(token: str) -> WerkzeugResponse:
    """A reload or a language switch on a page a POST answered: back to the link's page."""
    page = (
        "links.confirm_page" if request.path.startswith("/confirm/") else "links.unsubscribe_page"
    )
    return redirect(url_for(page, token=token, **language_choice()), 303)
