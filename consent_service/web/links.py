"""The pages behind the links of every email: `/confirm/{token}` and `/u/{token}` (no API key).

A GET only shows a page with one button; only a POST changes anything, because mail
scanners and link previews fetch every URL in a message (RFC 8058 section 1). The signed
token in the path names the person, the purpose and the intent (docs/decisions/0010); the
pages' own forms carry a CSRF field, while the RFC 8058 one-click POST, sent by a mail
provider with no cookie, is exempt (section 3.2). A double opt-in link works once; a used or
expired one leads to a page that can ask for a new one. No page reached by an unsubscribe
token opens or links the preference centre: it can only have a new link emailed to the
stored address (docs/decisions/0017).
"""

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.link_token_store import LinkTokenStore
from consent_service.domain.consent import Source
from consent_service.faces import csrf
from consent_service.faces.clock import now
from consent_service.faces.languages import language_choice
from consent_service.openapi.operations import documented, page
from consent_service.services import links
from consent_service.services.link_emails import PER_DAY
from consent_service.services.links import (
    UNDO_WINDOW,
    ConfirmationLink,
    LinkAlreadyUsed,
    LinkSuperseded,
    LinkTarget,
)
from consent_service.services.ports.links import TokenUse
from consent_service.web.limits import ONE_CLICK_FIELD, ONE_CLICK_VALUE, is_one_click
from consent_service.web.link_pages import (
    claim_of,
    confirm_links,
    evidence,
    gone,
    invalid_link,
    labels,
    notice,
    preference_links,
    read,
    signer,
    write,
)
from consent_service.web.pages import render, settings
from plumbing.tokens import ExpiredToken, Intent, InvalidToken, LinkClaim, token_digest

blueprint = Blueprint("links", __name__)
csrf.protect(blueprint, exempt_when=is_one_click)

UNDO_MINUTES = UNDO_WINDOW // timedelta(minutes=1)
INVALID_LINK = page(400, "The link is damaged, or not one of ours.")
NOBODY = page(404, "The registry no longer holds the person the link was sent to.")
STALE = page(410, "The link was used or has expired; the page offers a new one if needed.")
ONE_CLICK_FORM = {
    "type": "object",
    "description": f"RFC 8058 one-click: `{ONE_CLICK_FIELD}={ONE_CLICK_VALUE}`, no cookie; the "
    f"page's button: the CSRF field `{csrf.FIELD}`",
    "properties": {
        ONE_CLICK_FIELD: {"type": "string", "enum": [ONE_CLICK_VALUE]},
        csrf.FIELD: {"type": "string"},
    },
}


def _link_emails_capped() -> str:
    return _(
        "We send at most %(count)d new links a day, so that nobody can fill your inbox. If "
        "none arrives, use the newest email you already have.",
        count=PER_DAY,
    )


def _nothing_to_confirm() -> Response:
    return notice(
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
        return notice(410, title, lead, detail=detail)
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
@documented(page(200, "The page with the button"), INVALID_LINK, NOBODY, STALE)
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
        return _used_confirmation(claim, token, target)
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


def _used_confirmation(claim: LinkClaim, token: str, target: ConfirmationLink) -> Response:
    """A used link: "you are subscribed" while all it granted still is, with the offer of a
    new link for anything pending since; otherwise "already used" (410)."""
    if not target.still_granted:
        return _stale_confirmation(claim, token, expired=False)
    title = _("Your subscription is confirmed")
    lead = _("You confirmed it with this link already. You receive:")
    granted = list(target.still_granted)
    if not target.purposes:
        return notice(200, title, lead, granted)
    return render(
        "web/confirm_stale.html",
        title=title,
        lead=lead,
        purposes=labels(granted),
        pending=labels(target.purposes),
        resend_url=url_for("links.resend_confirmation", token=token),
    )


@blueprint.post("/confirm/<token>")
@documented(page(200, "Confirmed"), INVALID_LINK, NOBODY, STALE)
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
        return confirm_page(token)  # the page a used link shows, and nothing written
    except LinkSuperseded:
        return _stale_confirmation(claim, token, expired=True)
    if target is None:
        return gone()
    if not target.purposes:
        return _nothing_to_confirm()
    return notice(
        200,
        _("Thank you, your subscription is confirmed"),
        _("From now on you will receive:"),
        target.purposes,
    )


@blueprint.post("/confirm/<token>/resend")
def resend_confirmation(token: str) -> Response:
    """Ask for a new double opt-in email; a used or expired genuine link may ask.

    The answer is the same whether an email went or the person's daily cap held it back.
    """
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
    return notice(
        200,
        _("Check your inbox"),
        _("A new link goes to your email address. It asks you to confirm:"),
        target.purposes,
        detail=_link_emails_capped(),
    )


@blueprint.get("/u/<token>")
@documented(page(200, "The page with the button"), INVALID_LINK, NOBODY)
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


def _unsubscribed(token: str, target: LinkTarget) -> Response:
    """The page after the button: what stopped, a short undo, and a way to the preference
    centre that goes through the person's mailbox."""
    if target.purposes:
        lead = _("You will no longer receive:")
    else:
        lead = _("You were already unsubscribed; nothing was changed.")
    return render(
        "web/unsubscribe_done.html",
        title=_("You are unsubscribed"),
        lead=lead,
        purposes=labels(target.purposes),
        undo_url=url_for("links.undo_unsubscribe", token=token) if target.purposes else None,
        undo_minutes=UNDO_MINUTES,
        preferences_link_url=url_for("links.email_preferences_link", token=token),
    )


@blueprint.post("/u/<token>")
@documented(
    page(200, "Unsubscribed (one-click: also when nobody is left to unsubscribe)"),
    INVALID_LINK,
    NOBODY,
    request_body={
        "application/x-www-form-urlencoded": ONE_CLICK_FORM,
        "multipart/form-data": ONE_CLICK_FORM,
    },
)
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
    moment, shown, link = now(), evidence(), token_digest(token)
    target = write(
        lambda registry: links.unsubscribe(
            registry,
            claim.subject_id,
            claim.purpose,
            source=source,
            now=moment,
            evidence=shown,
            link=link,
        )
    )
    if not one_click:
        return gone() if target is None else _unsubscribed(token, target)
    if target is None or not target.purposes:
        return notice(
            200,
            _("You are unsubscribed"),
            _("You were already unsubscribed; nothing was changed."),
        )
    return notice(200, _("You are unsubscribed"), _("You will no longer receive:"), target.purposes)


@blueprint.post("/u/<token>/undo")
def undo_unsubscribe(token: str) -> Response:
    """Take back what this very link withdrew a moment ago; nothing withdrawn another way."""
    claim = claim_of(Intent.UNSUBSCRIBE, token)
    if claim is None:
        return invalid_link()
    moment, shown, sender, link = now(), evidence(), confirm_links(), token_digest(token)
    double_opt_in = settings().double_opt_in
    result = write(
        lambda registry: links.undo_unsubscribe(
            registry,
            claim.subject_id,
            link,
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
        title = _("Nothing was changed")
        lead = _(
            "This button gives back only what this link stopped in the last %(minutes)d "
            "minutes, and only while nothing else has changed it since.",
            minutes=UNDO_MINUTES,
        )
    return render(
        "web/unsubscribe_undone.html",
        title=title,
        lead=lead,
        purposes=labels(result.granted),
        pending=labels(result.pending),
        preferences_link_url=url_for("links.email_preferences_link", token=token),
    )


@blueprint.post("/u/<token>/preferences-link")
def email_preferences_link(token: str) -> Response:
    """Email a new preference-centre link to the stored address; the same answer always.

    The unsubscribe token cannot open the preference centre (decision 0011): whoever holds
    the List-Unsubscribe URL is not necessarily the person. The request carries no address,
    and the answer says nothing about whether an email went (the daily cap may hold it).
    """
    claim = claim_of(Intent.UNSUBSCRIBE, token)
    if claim is None:
        return invalid_link()
    moment, sender = now(), preference_links()
    target = write(
        lambda registry: links.email_preferences_link(registry, claim.subject_id, sender, moment)
    )
    if target is None:
        return gone()
    return notice(
        200,
        _("Check your inbox"),
        _("A link to your preference centre goes to the email address we have for you."),
        detail=_link_emails_capped(),
    )


@blueprint.get("/confirm/<token>/resend")
@blueprint.get("/u/<token>/undo")
@blueprint.get("/u/<token>/preferences-link")
def after_post(token: str) -> WerkzeugResponse:
    """A reload or a language switch on a page a POST answered: back to the link's page."""
    page = (
        "links.confirm_page" if request.path.startswith("/confirm/") else "links.unsubscribe_page"
    )
    values: dict[str, Any] = {"token": token, **language_choice()}
    return redirect(url_for(page, **values), 303)
