"""The registry's gettext catalogues (ky, ru, en) and a lookup that needs no web request.

The `.po` sources live beside this file; the install step compiles them to `.mo` (setup.py).
Pages translate through Flask-Babel, which reads the same files; this module serves the
places outside a page: the JSON purpose catalogue (`title` in every locale) and messages.
"""

from functools import cache
from gettext import GNUTranslations
from pathlib import Path

from plumbing.catalogues import load_catalogue
from plumbing.vocabulary import LOCALES

DIRECTORY = Path(__file__).parent


@cache
def catalogue(locale: str) -> GNUTranslations:
    return load_catalogue(DIRECTORY, locale)


def translate(locale: str, message: str) -> str:
    return catalogue(locale).gettext(message)


def in_every_locale(message: str) -> dict[str, str]:
    return {locale: translate(locale, message) for locale in LOCALES}
