"""Keep the gettext catalogues in step with the code: extract, fill, compile, check.

    python scripts/catalogues.py update          # new message ids in, obsolete ones out
    python scripts/catalogues.py fill FILE.json  # {"msgid": {"ky": .., "ru": .., "en": ..}}
    python scripts/catalogues.py check           # what is missing; exit 1 if anything

Message ids are the English text. `update` and `fill` also compile the `.mo` files, as the
install step does (setup.py), so a running development server sees the change on restart.
The test suite runs the same check (tests/i18n/test_catalogues.py). See docs/translations.md.
"""

import fcntl
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("ky", "ru", "en")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "lazy_gettext": None}


@dataclass(frozen=True)
class Part:
    """One package's catalogue and where its message ids come from."""

    package: str
    method_map: list[tuple[str, str]]

    @property
    def directory(self) -> Path:
        return ROOT / self.package / "translations"

    def po_path(self, locale: str) -> Path:
        return self.directory / locale / "LC_MESSAGES" / "messages.po"


PARTS = (
    Part(
        "consent_service",
        [
            ("**.py", "python"),
            ("templates/web/**.html", "jinja2"),
            ("templates/console/**.html", "jinja2"),
        ],
    ),
    Part(
        "mailer",
        [("**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")],
    ),
    Part(
        "plumbing",
        [("templates/frame/**.html", "jinja2"), ("templates/frame/**.txt", "jinja2")],
    ),
)


def extracted(part: Part) -> dict[str, set[str]]:
    """Every message id the code of `part` uses, with the files it is used in."""
    found: dict[str, set[str]] = {}
    options = {
        "**.html": {"extensions": "jinja2.ext.i18n"},
        "**.txt": {"extensions": "jinja2.ext.i18n"},
    }
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT / part.package, part.method_map, options, keywords=KEYWORDS, strip_comment_tags=True
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, set()).add(filename)
    return found


def read(part: Part, locale: str) -> Catalog:
    path = part.po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def write(part: Part, locale: str, catalogue: Catalog) -> None:
    path = part.po_path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=100, sort_output=True, omit_header=False)
    with path.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, catalogue)


@contextmanager
def locked() -> Iterator[None]:
    """Several people (or agents) may run this at once; one at a time touches the files."""
    with (ROOT / ".catalogues.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def update() -> None:
    for part in PARTS:
        wanted = extracted(part)
        for locale in LOCALES:
            catalogue = read(part, locale)
            for msgid in wanted:
                if msgid not in catalogue:
                    catalogue.add(msgid, "")
            for message in list(catalogue):
                if message.id and message.id not in wanted:
                    catalogue.delete(message.id)
            catalogue.fuzzy = False
            write(part, locale, catalogue)


def fill(source: Path) -> None:
    texts: dict[str, dict[str, str]] = json.loads(source.read_text(encoding="utf-8"))
    for part in PARTS:
        for locale in LOCALES:
            catalogue = read(part, locale)
            for msgid, translations in texts.items():
                if msgid in catalogue and locale in translations:
                    catalogue[msgid].string = translations[locale]
                    catalogue[msgid].flags.discard("fuzzy")
            write(part, locale, catalogue)


def problems() -> list[str]:
    """Every message id without a usable translation, in any part and language."""
    found = []
    for part in PARTS:
        wanted = extracted(part)
        for locale in LOCALES:
            catalogue = read(part, locale)
            for msgid in sorted(wanted):
                message = catalogue.get(msgid)
                where = f"{part.package} {locale}: {msgid[:60]!r}"
                if message is None:
                    found.append(f"{where} is not in the catalogue (run update)")
                elif not message.string:
                    found.append(f"{where} has no translation")
                elif message.fuzzy:
                    found.append(f"{where} is marked fuzzy")
                else:
                    found.extend(f"{where}: {error}" for error in message.check(catalogue))
            for message in catalogue:
                if message.id and message.id not in wanted:
                    found.append(f"{part.package} {locale}: {message.id[:60]!r} is unused")
    return found


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    with locked():
        if command == "update":
            update()
        elif command == "fill" and len(argv) == 3:
            fill(Path(argv[2]))
        elif command != "check":
            print(__doc__)
            return 2
    remaining = problems()
    for problem in remaining:
        print(problem)
    return 1 if remaining and command == "check" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
