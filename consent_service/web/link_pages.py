"""What every page behind an email link shares: the token, the notice pages, the transaction.

The link pages (web/links.py) and the preference centre (web/preferences.py) read signed
tokens with the same keys, answer a bad or orphaned link with the same pages, record the
same evidence of a click, and speak the person's stored language once the subject is read.
"""

import contextlib
import ipaddress
from collections.abc import Callable
from typing import Protocol, TypeVar

from flask import Response, request
from flask_babel import gettext as _

from consent_service.adapters.repository import SqlRepository
from consent_service.domain import gpc
from consent_service.domain.errors import SubjectNotFound
from consent_service.domain.evidence import GPC
from consent_service.domain.purposes import CATALOGUE
from consent_service.faces.languages import speak_as_subject
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services.changes import ConfirmLinks
from consent_service.services.link_emails import PreferenceLinks
from consent_service.web.pages import render, settings
from plumbing.card_numbers import looks_like_card_number
from plumbing.tokens import ALL_EMAIL, Intent, InvalidToken, LinkClaim, LinkSigner


class _Located(Protocol):
    @property
    def locale(self) -> str: ...


T = TypeVar("T", bound=_Located)


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


def preference_links() -> PreferenceLinks:
    current = settings()
    return PreferenceLinks(current.secret_key, current.public_base_url)


def purpose_label(purpose: str) -> str:
    if purpose == ALL_EMAIL:
        return _("all our emails")
    return _(CATALOGUE[purpose].title)


def labels(purposes: list[str]) -> list[str]:
    return [purpose_label(p) for p in purposes]


def notice(
    status: int, title: str, lead: str, purposes: list[str] | None = None, **extra: object
) -> Response:
    return render(
        "web/notice.html", status, title=title, lead=lead, purposes=labels(purposes or []), **extra
    )


def invalid_link() -> Response:
    return notice(
        400,
        _("This link is not valid"),
        _("The link is damaged or has expired. Use the link in a newer email."),
    )


def gone() -> Response:
    return notice(
        404,
        _("Not found"),
        _("We no longer hold any data about the person this link was sent to."),
    )


def claim_of(intent: Intent, token: str) -> LinkClaim | None:
    try:
        return signer().read(intent, token)
    except InvalidToken:
        return None


def gpc_signalled() -> bool:
    """Whether this request carries the browser's Global Privacy Control signal."""
    return gpc.signalled(request.headers.getlist(gpc.HEADER))


def evidence() -> dict[str, str]:
    """What the click showed of itself: the network (truncated later), the user agent, and
    the GPC signal, kept with the change it came with (decision 0039)."""
    found: dict[str, str] = {}
    if gpc_signalled():
        found[GPC] = gpc.SIGNAL
    with contextlib.suppress(ValueError):  # a unix socket has no address to keep
        found["ip"] = str(ipaddress.ip_address(request.remote_addr or ""))
    agent = request.headers.get("User-Agent", "").strip()[:512]
    if agent and not looks_like_card_number(agent):
        found["user_agent"] = agent
    return found


def read(work: Callable[[SqlRepository], T]) -> T | None:
    try:
        with read_only() as registry:
            target = work(registry)
    except SubjectNotFound:
        return None
    speak_as_subject(target.locale)
    return target


def write(work: Callable[[SqlRepository], T]) -> T | None:
    """Run in a transaction committed before the answer is sent (SPEC guarantee 5)."""
    try:
        target = in_transaction(work)
    except SubjectNotFound:
        return None
    speak_as_subject(target.locale)
    return target
