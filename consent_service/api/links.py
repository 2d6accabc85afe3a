"""The pages behind the links of every email: `/confirm/{token}` and `/u/{token}` (no API key).

A GET only shows a page with one button; only the POST changes anything, because mail
scanners and link previews fetch every URL in a message (RFC 8058 section 1). The signed
token in the path is the capability: it names the person and the purpose, and nobody who has
not received the email can produce it, so these forms need no session or CSRF cookie, and
the one-click POST must have none (RFC 8058 section 3.2). The pages issue localizes and
styles the pages; the rules are in docs/decisions/0010-links-and-tokens.md.
"""

import contextlib
import ipaddress
from collections.abc import Callable

from flask import Blueprint, Response, current_app, render_template, request

from consent_service.adapters.repository import Registry
from consent_service.api.http import in_transaction, now, read_only
from consent_service.domain.card_numbers import looks_like_card_number
from consent_service.domain.consent import Source
from consent_service.domain.errors import SubjectNotFound
from consent_service.domain.purposes import CATALOGUE
from consent_service.services import links
from consent_service.services.links import LinkTarget
from schemas.tokens import ALL_EMAIL, InvalidToken, LinkClaim, LinkSigner

blueprint = Blueprint("links", __name__)

ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"

# Kyrgyz and Russian text is Cyrillic on purpose.
# ruff: noqa: RUF001
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "confirm_title": "Confirm your subscription",
        "confirm_lead": "Press the button to confirm that you want to receive:",
        "confirm_button": "Confirm",
        "confirmed_title": "Thank you, your subscription is confirmed",
        "confirmed_lead": "From now on you will receive:",
        "nothing_title": "Nothing to confirm",
        "nothing_lead": "Nothing is waiting for confirmation for this address.",
        "unsubscribe_title": "Unsubscribe",
        "unsubscribe_lead": "Press the button to stop receiving:",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed_title": "You are unsubscribed",
        "unsubscribed_lead": "You will no longer receive:",
        "already_title": "You are unsubscribed",
        "already_lead": "You were already unsubscribed; nothing was changed.",
        "invalid_title": "This link is not valid",
        "invalid_lead": "The link is damaged or has expired. Use the link in a newer email.",
        "gone_title": "Not found",
        "gone_lead": "We no longer hold any data about the person this link was sent to.",
        "all_email": "all our emails",
    },
    "ru": {
        "confirm_title": "Подтвердите подписку",
        "confirm_lead": "Нажмите кнопку, чтобы подтвердить, что вы хотите получать:",
        "confirm_button": "Подтвердить",
        "confirmed_title": "Спасибо, подписка подтверждена",
        "confirmed_lead": "Теперь вы будете получать:",
        "nothing_title": "Нечего подтверждать",
        "nothing_lead": "Для этого адреса ничто не ждёт подтверждения.",
        "unsubscribe_title": "Отписка",
        "unsubscribe_lead": "Нажмите кнопку, чтобы больше не получать:",
        "unsubscribe_button": "Отписаться",
        "unsubscribed_title": "Вы отписаны",
        "unsubscribed_lead": "Вы больше не будете получать:",
        "already_title": "Вы отписаны",
        "already_lead": "Вы уже были отписаны; ничего не изменилось.",
        "invalid_title": "Ссылка недействительна",
        "invalid_lead": "Ссылка повреждена или устарела. Воспользуйтесь ссылкой из более "
        "нового письма.",
        "gone_title": "Не найдено",
        "gone_lead": "У нас больше нет данных о человеке, которому была отправлена эта ссылка.",
        "all_email": "все наши письма",
    },
    "ky": {
        "confirm_title": "Жазылууну ырастаңыз",
        "confirm_lead": "Төмөнкүлөрдү алууну каалаарыңызды ырастоо үчүн баскычты басыңыз:",
        "confirm_button": "Ырастоо",
        "confirmed_title": "Рахмат, жазылууңуз ырасталды",
        "confirmed_lead": "Мындан ары сиз төмөнкүлөрдү аласыз:",
        "nothing_title": "Ырастай турган эч нерсе жок",
        "nothing_lead": "Бул дарек үчүн ырастоону күткөн эч нерсе жок.",
        "unsubscribe_title": "Жазылуудан чыгуу",
        "unsubscribe_lead": "Төмөнкүлөрдү мындан ары албоо үчүн баскычты басыңыз:",
        "unsubscribe_button": "Жазылуудан чыгуу",
        "unsubscribed_title": "Сиз жазылуудан чыктыңыз",
        "unsubscribed_lead": "Мындан ары сиз төмөнкүлөрдү албайсыз:",
        "already_title": "Сиз жазылуудан чыккансыз",
        "already_lead": "Сиз буга чейин эле жазылуудан чыккансыз; эч нерсе өзгөргөн жок.",
        "invalid_title": "Шилтеме жараксыз",
        "invalid_lead": "Шилтеме бузулган же мөөнөтү өтүп кеткен. Жаңыраак каттагы "
        "шилтемени колдонуңуз.",
        "gone_title": "Табылган жок",
        "gone_lead": "Бул шилтеме жөнөтүлгөн адам тууралуу бизде мындан ары маалымат жок.",
        "all_email": "биздин бардык каттарыбыз",
    },
}

_SECURITY_HEADERS = {
    # The token in the URL is a key: never cache the page, never leak it in a Referer.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    # No scripts or outside resources at all; no framing, so the button cannot be clickjacked.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


def _page(
    template: str,
    status: int,
    locale: str,
    key: str,
    purposes: list[str] | None = None,
    *,
    button: str | None = None,
) -> Response:
    texts = TEXTS.get(locale) or TEXTS[_default_locale()]
    html = render_template(
        f"links/{template}.html",
        lang=locale if locale in TEXTS else _default_locale(),
        title=texts[f"{key}_title"],
        lead=texts[f"{key}_lead"],
        purposes=[_label(p, locale, texts) for p in purposes or []],
        button=texts[f"{button}_button"] if button else None,
    )
    return Response(html, status=status, mimetype="text/html", headers=_SECURITY_HEADERS)


def _label(purpose: str, locale: str, texts: dict[str, str]) -> str:
    if purpose == ALL_EMAIL:
        return texts["all_email"]
    titles = CATALOGUE[purpose].title
    return titles.get(locale) or titles[_default_locale()]


def _default_locale() -> str:
    return current_app.extensions["consent.settings"].default_locale


def _invalid() -> Response:
    return _page("notice", 400, _default_locale(), "invalid")


def _gone() -> Response:
    return _page("notice", 404, _default_locale(), "gone")


def _claim(read: Callable[[LinkSigner, str], LinkClaim], token: str) -> LinkClaim | None:
    signer = LinkSigner(current_app.extensions["consent.settings"].secret_key)
    try:
        return read(signer, token)
    except InvalidToken:
        return None


def _evidence() -> dict[str, str]:
    """What the click showed of itself: the network (truncated later) and the user agent."""
    evidence: dict[str, str] = {}
    with contextlib.suppress(ValueError):  # a unix socket has no address to keep
        evidence["ip"] = str(ipaddress.ip_address(request.remote_addr or ""))
    agent = request.headers.get("User-Agent", "").strip()[:512]
    if agent and not looks_like_card_number(agent):
        evidence["user_agent"] = agent
    return evidence


def _read(work: Callable[[Registry], LinkTarget]) -> LinkTarget | None:
    try:
        with read_only() as registry:
            return work(registry)
    except SubjectNotFound:
        return None


def _write(work: Callable[[Registry], LinkTarget]) -> LinkTarget | None:
    """Run in a transaction committed before the answer is sent (SPEC guarantee 5)."""
    try:
        return in_transaction(work)
    except SubjectNotFound:
        return None


@blueprint.get("/confirm/<token>")
def confirm_page(token: str) -> Response:
    """The double opt-in page: the pending purposes and one button. Changes nothing."""
    claim = _claim(LinkSigner.read_confirm, token)
    if claim is None:
        return _invalid()
    target = _read(lambda registry: links.pending_confirmation(registry, claim.subject_id))
    if target is None:
        return _gone()
    if not target.purposes:
        return _page("notice", 200, target.locale, "nothing")
    return _page("form", 200, target.locale, "confirm", target.purposes, button="confirm")


@blueprint.post("/confirm/<token>")
def confirm(token: str) -> Response:
    """Grant every pending purpose (source `double_opt_in`)."""
    claim = _claim(LinkSigner.read_confirm, token)
    if claim is None:
        return _invalid()
    evidence = _evidence()
    target = _write(lambda registry: links.confirm(registry, claim.subject_id, now(), evidence))
    if target is None:
        return _gone()
    if not target.purposes:
        return _page("notice", 200, target.locale, "nothing")
    return _page("notice", 200, target.locale, "confirmed", target.purposes)


@blueprint.get("/u/<token>")
def unsubscribe_page(token: str) -> Response:
    """The unsubscribe page: what the button would stop. Changes nothing."""
    claim = _claim(LinkSigner.read_unsubscribe, token)
    if claim is None:
        return _invalid()
    target = _read(
        lambda registry: links.unsubscribe_target(registry, claim.subject_id, claim.purpose)
    )
    if target is None:
        return _gone()
    shown = target.purposes or [claim.purpose]
    return _page("form", 200, target.locale, "unsubscribe", shown, button="unsubscribe")


@blueprint.post("/u/<token>")
def unsubscribe(token: str) -> Response:
    """Withdraw the link's purpose: RFC 8058 one-click, or the page's button.

    One-click is `List-Unsubscribe=One-Click` as a form body, sent by the mail client with no
    cookie; it is answered 200 directly, never redirected (RFC 8058 section 3.1). For a
    subject the registry does not hold (erased, or never known) one-click also answers 200:
    there is nothing left to withdraw, and an error would only make a mail provider retry or
    count it against the sender; the person is already not mailed. The page's button gets an
    honest 404 page instead.
    """
    claim = _claim(LinkSigner.read_unsubscribe, token)
    if claim is None:
        return _invalid()
    one_click = request.form.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE
    source = Source.ONE_CLICK if one_click else Source.UNSUBSCRIBE_LINK
    evidence = _evidence()
    target = _write(
        lambda registry: links.unsubscribe(
            registry,
            claim.subject_id,
            claim.purpose,
            source=source,
            now=now(),
            evidence=evidence,
        )
    )
    if target is None:
        return _page("notice", 200, _default_locale(), "already") if one_click else _gone()
    if not target.purposes:
        return _page("notice", 200, target.locale, "already")
    return _page("notice", 200, target.locale, "unsubscribed", target.purposes)
