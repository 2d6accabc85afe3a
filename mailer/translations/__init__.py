"""The mailer's gettext catalogues (ky, ru, en): the words of the emails the mailer writes.

The mailer never imports the registry, so it keeps its own catalogue of the texts it writes
itself: the double opt-in and preference-link emails and the email purposes' titles (a
test keeps those titles equal to the registry's). The frame around every email (the links
footer) has its own catalogue in `plumbing/translations/`, shared with the console's
preview. The `.po` sources live beside this file; the install step compiles them to `.mo`
(setup.py). Campaign content is not translated here: marketing writes it per locale.
"""

from functools import cache
from gettext import GNUTranslations
from pathlib import Path

from plumbing.catalogues import load_catalogue

DIRECTORY = Path(__file__).parent


@cache
def catalogue(locale: str) -> GNUTranslations:
    return load_catalogue(DIRECTORY, locale)


def translate(locale: str, message: str) -> str:
    return catalogue(locale).gettext(message)
