"""Plain rules behind the public pages: language choice, policy structure, colour contrast."""

import pytest

from consent_service.domain.contrast import WHITE, contrast_ratio, parse_hex_colour
from consent_service.domain.locales import negotiate
from consent_service.domain.policy_text import sections


@pytest.mark.parametrize(
    ("preferences", "chosen"),
    [
        (("ru", "en", "ky", "en"), "ru"),  # ?lang= first
        ((None, "en", "ru", "ky"), "en"),  # then the switch's cookie
        ((None, None, "ru", "en"), "ru"),  # then the person's stored locale
        ((None, None, None, "en"), "en"),  # then Accept-Language
        (("de", "fr", None, None), "ky"),  # unsupported ones are skipped
    ],
)
def test_the_first_supported_preference_wins(preferences, chosen) -> None:
    assert negotiate(*preferences, default="ky") == chosen


def test_no_preference_means_the_default() -> None:
    assert negotiate(None, None, default="ru") == "ru"


def test_a_plain_text_policy_becomes_headed_sections_with_lists() -> None:
    text = (
        "What do we collect?\n"
        "We collect what we need.\n"
        "Why?\n"
        "We use it:\n"
        "1) To personalise\n"
        "(it helps us)\n"
        "2) To deliver.\n"
        "That is all.\n"
    )
    found = sections(text)
    assert [s.heading for s in found] == ["What do we collect?", "Why?"]
    assert [(b.kind, b.lines) for b in found[1].blocks] == [
        ("paragraph", ["We use it:"]),
        ("list", ["To personalise (it helps us)", "To deliver."]),
        ("paragraph", ["That is all."]),
    ]


def test_text_before_any_heading_is_kept() -> None:
    found = sections("This paragraph has no heading above it, and it ends like a sentence.")
    assert found[0].heading == ""
    assert found[0].blocks[0].lines == [
        "This paragraph has no heading above it, and it ends like a sentence."
    ]


def test_contrast_follows_wcag() -> None:
    assert contrast_ratio((0, 0, 0), WHITE) == pytest.approx(21.0)
    assert contrast_ratio(WHITE, WHITE) == pytest.approx(1.0)
    assert contrast_ratio(parse_hex_colour("#1f5f8b"), WHITE) >= 4.5
    assert contrast_ratio(parse_hex_colour("767676"), WHITE) == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("text", ["#fff", "blue", "#12345g", ""])
def test_only_six_digit_hex_colours_are_accepted(text) -> None:
    with pytest.raises(ValueError, match="not a colour"):
        parse_hex_colour(text)
