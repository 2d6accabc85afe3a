"""The registry's gettext catalogues (ky, ru, en) and a lookup that needs no web request.

The `.po` sources live beside this file; the install step compiles them to `.mo` (setup.py).
Pages translate through Flask-Babel, which reads the same files; this module serves the
places outside a page: the JSON purpose catalogue (`title` in every locale) and messages.
"""

from functools import cache
from gettext import GNUTranslations
from pathlib import Path

from schemas.vocabulary import LOCALES

DIRECTORY = Path(__file__).parent
DOMAIN = "messages"


class MissingCatalogue(RuntimeError):
    """A compiled catalogue is missing: the package was not installed by pip."""


@cache
def catalogue(locale: str) -> GNUTranslations:
    path = DIRECTORY / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with path.open("rb") as handle:
            return GNUTranslations(handle)
    except FileNotFoundError:
        raise MissingCatalogue(
            f"{path} is missing: install the package with pip, which compiles the catalogues."
        ) from None


def translate(locale: str, message: str) -> str:
    return catalogue(locale).gettext(message)


def in_every_locale(message: str) -> dict[str, str]:
    return {locale: translate(locale, message) for locale in LOCALES}
