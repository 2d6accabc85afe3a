"""The policy's date in a sentence: one full stop, in every language.

Russian dates end in an abbreviation ("1 ноября 2026 г."); a sentence ending with one must not
end in "г..". Where the date falls depends on each translation, so every locale is checked.
"""

# Russian text is Cyrillic on purpose.
# ruff: noqa: RUF001, RUF002

import re
from datetime import date
from html import unescape

import pytest
from babel.dates import format_date
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from consent_service.domain.locales import LOCALES
from consent_service.faces.languages import single_full_stops

DOUBLED = re.compile(r"(?<!\.)\.\.(?!\.)")


def meta_sentence(page: str) -> str:
    found = re.search(r'<p class="meta">\s*(.*?)\s*(<strong>|</p>)', page, re.S)
    assert found, "the policy page has no version line"
    return unescape(found.group(1))


@pytest.mark.parametrize("locale", LOCALES)
def test_the_version_line_ends_with_one_full_stop(client, locale) -> None:
    sentence = meta_sentence(client.get(f"/policy?lang={locale}").get_data(as_text=True))

    assert format_date(date(2026, 11, 1), "long", locale=locale) in sentence
    assert sentence.endswith(".")
    assert not DOUBLED.search(sentence), sentence


@given(st.text(alphabet=st.sampled_from(["a", " ", ".", "г", "\u202f"]), max_size=40))
def test_no_full_stop_is_ever_doubled_and_an_ellipsis_stays(text: str) -> None:
    single = single_full_stops(text)

    assert not DOUBLED.search(single)
    assert single.replace(".", "") == text.replace(".", "")
    assert ("..." in single) == ("..." in text)


def test_markup_stays_markup() -> None:
    assert isinstance(single_full_stops(Markup("<b>2026 г.</b>..")), Markup)
