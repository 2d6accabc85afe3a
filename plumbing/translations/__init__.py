"""The catalogues (ky, ru, en) of the words in every email's frame: the footer's sentence
about why the person gets the email and the names of its two links.

The frame is drawn by both parts (plumbing/templates/framing.py): the mailer around what it
sends, the registry's console around a campaign's preview. Neither part imports the other,
so the frame's words live here beside the frame's templates rather than in either part's
catalogue. The `.po` sources live beside this file; the install step compiles them
(setup.py).
"""

from functools import cache
from gettext import GNUTranslations
from pathlib import Path

from plumbing.catalogues import load_catalogue

DIRECTORY = Path(__file__).parent


@cache
def catalogue(locale: str) -> GNUTranslations:
    return load_catalogue(DIRECTORY, locale)
