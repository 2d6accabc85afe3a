"""Which language a page speaks, and the gettext plumbing behind it (Flask-Babel).

The choice follows SPEC section 5, on the public pages and in the console alike: `?lang=`, the
cookie the language switch sets, the stored locale of the person the page is for (the subject
a token names, or the signed-in member of staff: a view puts it in `g.subject_locale` with
`speak_as_subject` before rendering), `Accept-Language`, a sign-up form's default language
(`fall_back_to`), `DEFAULT_LOCALE`. A `?lang=` also sets the cookie, so the switch keeps
working on the next page without JavaScript. The app has one locale selector, so `init` runs
once per app (app.py), for every face.
"""

import re
from datetime import timedelta
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_babel import Babel, get_locale
from markupsafe import Markup

from consent_service.config import Settings
from consent_service.domain.locales import LOCALES, negotiate
from consent_service.translations import DIRECTORY

LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
"""Each language named in itself, as a language switch should."""


def select_locale() -> str:
    settings: Settings = current_app.extensions["consent.settings"]
    return negotiate(
        request.args.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        g.get("subject_locale"),
        request.accept_languages.best_match(LOCALES),
        g.get("fallback_locale"),
        default=settings.default_locale,
    )


def current_locale() -> str:
    return str(get_locale() or current_app.extensions["consent.settings"].default_locale)


def speak_as_subject(locale: str | None) -> None:
    """Use the person's stored locale on this page unless the visitor chose another."""
    g.subject_locale = locale


def fall_back_to(locale: str | None) -> None:
    """Before `DEFAULT_LOCALE`, speak this (a sign-up form's own default language)."""
    g.fallback_locale = locale


def language_choice() -> dict[str, str]:
    """`{"lang": code}` when this request chose a language with `?lang=`, else nothing: what a
    redirect carries over. Only this, never the whole query string, whose other names (`token`,
    `endpoint`, `_method`...) would collide with the arguments of `url_for`."""
    chosen = request.args.get("lang")
    return {"lang": chosen} if chosen in LOCALES else {}


def language_links() -> list[dict[str, Any]]:
    """The switch: this very page in each language (the path keeps the token)."""
    chosen = current_locale()
    return [
        {
            "code": code,
            "name": name,
            "href": f"{request.path}?lang={code}",
            "current": code == chosen,
        }
        for code, name in LANGUAGE_NAMES.items()
    ]


def remember_switch(response: Response, secure: bool) -> Response:
    chosen = request.args.get("lang")
    if chosen in LOCALES and request.cookies.get(LANGUAGE_COOKIE) != chosen:
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            max_age=int(timedelta(days=365).total_seconds()),
            secure=secure,
            httponly=True,
            samesite="Lax",
        )
    return response


_DOUBLED_FULL_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")


def single_full_stops(text: str) -> str:
    """The sentence with a doubled full stop made single (an ellipsis stays).

    A sentence may end with a date whose own format ends in a full stop (a Russian date ends
    with the abbreviation of "year"); whether it does depends on where each translation puts
    the date, so the template cannot leave out its own full stop, and the two are merged here.
    """
    single = _DOUBLED_FULL_STOP.sub(".", text)
    # Safe markup with a full stop removed is still safe.
    return Markup(single) if isinstance(text, Markup) else single  # noqa: S704


def init(app: Flask, settings: Settings) -> None:
    app.config.update(
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_TRANSLATION_DIRECTORIES=str(DIRECTORY),
        BABEL_DEFAULT_TIMEZONE="Asia/Bishkek",
    )
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["single_full_stops"] = single_full_stops
