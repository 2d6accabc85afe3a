"""Loading a compiled gettext catalogue (`.mo`) of either part.

The registry and the mailer each ship the catalogue of the words they write (they never
import each other, docs/translations.md); how a catalogue is found and what a missing one
means is the same for both, so it lives here.
"""

from gettext import GNUTranslations
from pathlib import Path

DOMAIN = "messages"


class MissingCatalogue(RuntimeError):
    """A compiled catalogue is missing: the package was not installed by pip."""


def load_catalogue(directory: Path, locale: str) -> GNUTranslations:
    path = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with path.open("rb") as handle:
            return GNUTranslations(handle)
    except FileNotFoundError:
        raise MissingCatalogue(
            f"{path} is missing: install the package with pip, which compiles the catalogues."
        ) from None
