"""Every email inside a layout: a campaign's chosen one, or the default made of the brand
settings; the mailer's own emails with the shop's legal name and postal address too."""

import uuid

import pytest

from mailer.services.compose import confirmation_email, preferences_link_email
from plumbing.shop import Shop
from tests.email.factories import composer, person

IDENTIFIED = Shop(
    "Ала-Тоо дүкөнү",  # noqa: RUF001
    "privacy@ala-too.example.kg",
    legal_name="Ala-Too Trade LLC",
    postal_address="Бишкек ш., Чүй пр. 100",
    logo_url="https://ala-too.example.kg/logo.png",
)
BARE = {"subject": "News", "html": "<html><body><p>Hi</p></body></html>", "text": "Hi"}
LAYOUT = {
    "ky": {
        "shop_name": "Ky shop",
        "logo_url": "",
        "legal_name": "Ky Legal LLC",
        "postal_address": "Ky street 1",
        "why": "",
    },
    "ru": {
        "shop_name": "Ru shop",
        "logo_url": "https://ru.example.kg/logo.png",
        "legal_name": "Ru Legal LLC",
        "postal_address": "Ru street 2",
        "why": "Вы подписались на новости.",
    },
}


def test_the_layout_speaks_the_contents_locale_and_a_missing_one_is_the_default_locales() -> None:
    """An email is in one language: the layout follows the version of the content sent."""
    run = composer({"ky": BARE, "ru": BARE, "en": BARE}, layout=LAYOUT)

    groups = run.compose([person("ru"), person("en")])

    by_address = {e.address: g.content for g in groups for e in g.envelopes}
    ru, en = (by_address[address] for address in sorted(by_address))
    assert "Ru Legal LLC" in ru.html and "Ru street 2" in ru.text
    assert "Вы подписались на новости." in ru.text
    assert '<img src="https://ru.example.kg/logo.png"' in ru.html
    assert "Ky Legal LLC" in en.html and "Ky street 1" in en.text
    assert "<img" not in en.html


def test_the_header_comes_first_and_the_footer_last() -> None:
    [group] = composer({"ky": BARE}, layout=LAYOUT).compose([person("ky")])

    html = group.content.html
    assert html.index("Ky shop") < html.index("<p>Hi</p>") < html.index("Ky Legal LLC")
    assert html.endswith("</div>\n</body></html>")
    assert group.content.text.startswith("Ky shop\n\nHi\n\n")


def test_layout_values_are_escaped_in_html() -> None:
    hostile = {
        "ky": {**LAYOUT["ky"], "legal_name": "<script>x</script>", "why": "<b>&</b>"},
    }
    [group] = composer({"ky": BARE}, layout=hostile).compose([person("ky")])

    assert "<script>" not in group.content.html
    assert "&lt;script&gt;x&lt;/script&gt;" in group.content.html
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in group.content.html


def test_without_a_layout_the_brand_settings_frame_the_email() -> None:
    [group] = composer({"ky": BARE}, shop=IDENTIFIED).compose([person("ky")])

    assert '<img src="https://ala-too.example.kg/logo.png"' in group.content.html
    for part in (group.content.html, group.content.text):
        assert "Ala-Too Trade LLC" in part
        assert "Бишкек ш., Чүй пр. 100" in part


@pytest.mark.parametrize("locale", ["ky", "ru", "en"])
def test_the_confirmation_and_preference_link_emails_name_the_legal_shop(locale: str) -> None:
    confirmation = confirmation_email(
        uuid.uuid4(), "a@example.kg", locale, "ky", "https://x/c/t", ["newsletters"], IDENTIFIED
    )
    link = preferences_link_email(
        uuid.uuid4(), "a@example.kg", locale, "ky", "https://x/preferences/t", IDENTIFIED
    )

    for email in (confirmation, link):
        assert email.content.text.startswith(IDENTIFIED.name + "\n\n")
        assert '<img src="https://ala-too.example.kg/logo.png"' in email.content.html
        for part in (email.content.html, email.content.text):
            assert "Ala-Too Trade LLC" in part
            assert "Бишкек ш., Чүй пр. 100" in part
        assert email.content.html.rstrip().endswith("</html>")
