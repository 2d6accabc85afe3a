"""The catalogues are complete, compiled and really translated (docs/translations.md).

Extraction and the checks are scripts/catalogues.py's, so a developer's `check` and this
test can never disagree about what is missing.
"""

import re

import pytest

from scripts.catalogues import LOCALES, PARTS, Part, problems, read

LATIN_WORD = re.compile(r"[A-Za-z]{3}")

SAME_IN_ENGLISH: frozenset[str] = frozenset()
"""Message ids whose Kyrgyz and Russian text may be the English one, such as a name or a
format no one translates; each added here with a comment saying why. None so far."""


def test_every_message_id_in_the_code_has_a_translation_in_every_language() -> None:
    found = problems()

    assert not found, "run scripts/catalogues.py update, then translate:\n" + "\n".join(found)


@pytest.mark.parametrize("part", PARTS, ids=lambda part: part.package)
@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogue_is_there_and_not_older_than_its_source(
    part: Part, locale: str
) -> None:
    source = part.po_path(locale)
    compiled = source.with_suffix(".mo")

    assert compiled.exists(), f"{compiled} is missing: run `pip install -e .`"
    assert compiled.stat().st_mtime >= source.stat().st_mtime, (
        f"{compiled} is older than {source.name}: run `pip install -e .`"
    )


@pytest.mark.parametrize("part", PARTS, ids=lambda part: part.package)
@pytest.mark.parametrize("locale", ["ky", "ru"])
def test_kyrgyz_and_russian_are_not_the_english_text_copied(part: Part, locale: str) -> None:
    copied = [
        message.id
        for message in read(part, locale)
        if message.id
        and message.id not in SAME_IN_ENGLISH
        and LATIN_WORD.search(message.id)
        and message.string.strip() == message.id.strip()
    ]

    assert not copied, f"{part.package} {locale} repeats the English text of: {copied}"
