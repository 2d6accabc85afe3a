"""Every email names the shop: a display name in From, its name and contact in the text.

Outside production, a setting left unset names the example shop, so a demo's emails show
where the real name goes (docs/decisions/0021); production gets no example values.
"""

import email
import email.policy
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailer.adapters.email import make_backend
from mailer.config import ConfigError, MailerSettings, SendingSettings
from mailer.services.compose import CampaignComposer, confirmation_email
from mailer.translations import translate
from plumbing.shop import (
    EXAMPLE_SHOP_CONTACT,
    EXAMPLE_SHOP_LEGAL_NAME,
    EXAMPLE_SHOP_NAME,
    EXAMPLE_SHOP_POSTAL_ADDRESS,
    EXAMPLE_SHOP_SENDER,
    Shop,
    shop_from_env,
)
from plumbing.tokens import LinkSigner
from plumbing.translations import catalogue as frame_words
from plumbing.vocabulary import LOCALES
from tests.email.factories import SHOP, composer, person

NO_LINKS = {"subject": "Жаңылыктар", "html": "<p>Салам!</p>", "text": "Салам!"}
"""Campaign content that places no link, so the mailer appends its footer."""


def sending_settings(instance: Path, **env: str) -> SendingSettings:
    return MailerSettings.from_env({"CONSENT_INSTANCE_DIR": str(instance), **env}).sending


def written(outbox: Path) -> EmailMessage:
    [path] = outbox.glob("*.eml")
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_unset_the_mailer_writes_as_the_example_shop(tmp_path: Path) -> None:
    sending = sending_settings(tmp_path)

    assert sending.shop == Shop(
        EXAMPLE_SHOP_NAME,
        EXAMPLE_SHOP_CONTACT,
        legal_name=EXAMPLE_SHOP_LEGAL_NAME,
        postal_address=EXAMPLE_SHOP_POSTAL_ADDRESS,
    )
    assert sending.sender == f'"{EXAMPLE_SHOP_NAME}" <{EXAMPLE_SHOP_SENDER}>'


def test_the_shops_name_is_the_from_name_unless_mailer_from_has_its_own(tmp_path: Path) -> None:
    named = sending_settings(tmp_path, CONSENT_BRAND_NAME="Аю Дүкөн", MAILER_FROM="hi@ayu.kg")
    own = sending_settings(tmp_path, CONSENT_BRAND_NAME="Аю Дүкөн", MAILER_FROM="News <n@ayu.kg>")

    assert named.sender == "Аю Дүкөн <hi@ayu.kg>"
    assert own.sender == "News <n@ayu.kg>"


@pytest.mark.parametrize("sender", ["no-reply", "Shop <>", "a@b@c"])
def test_a_from_address_that_is_no_address_stops_the_worker(tmp_path: Path, sender) -> None:
    with pytest.raises(ConfigError, match="MAILER_FROM"):
        sending_settings(tmp_path, MAILER_FROM=sender)


def test_production_gets_no_example_shop() -> None:
    production = {"CONSENT_ENV": "production"}

    assert shop_from_env(production) == Shop("", "")
    assert shop_from_env({**production, "CONSENT_BRAND_NAME": " Аю "}).name == "Аю"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_confirmation_email_names_the_shop_and_its_contact(locale: str) -> None:
    sent = confirmation_email(
        uuid.uuid4(), "a@example.kg", locale, "ky", "https://c.example/confirm/t", ["surveys"], SHOP
    )

    for part in (sent.content.text, sent.content.html):
        assert (
            translate(locale, "please confirm that you would like to receive from %(shop)s:")
            % {"shop": SHOP.name}
            in part
        )
        assert SHOP.contact in part
    assert " us:" not in sent.content.text


@pytest.mark.parametrize("locale", LOCALES)
def test_the_campaign_footer_names_the_shop_and_its_contact(locale: str) -> None:
    [group] = composer({locale: NO_LINKS}, default_locale=locale).compose([person(locale)])

    footer = frame_words(locale).gettext(
        "You receive this email from %(shop)s because you agreed to it."
    )
    for part in (group.content.text, group.content.html):
        assert footer % {"shop": SHOP.name} in part
        assert SHOP.contact in part


def test_the_shops_name_is_escaped_in_html() -> None:
    shop = Shop("<b>Tom & Jerry</b>", "write <here>")
    [group] = composer({"en": NO_LINKS}, default_locale="en", shop=shop).compose([person("en")])

    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in group.content.html
    assert "write &lt;here&gt;" in group.content.html
    assert "<b>Tom & Jerry</b>" in group.content.text


def test_with_nothing_configured_both_emails_name_the_example_shop(tmp_path: Path) -> None:
    """Confirmation and campaign email, as the default file backend writes them."""
    sending = sending_settings(tmp_path)
    backend = make_backend(sending, tmp_path)
    confirmation = confirmation_email(
        uuid.uuid4(),
        "aigul@example.kg",
        "ky",
        "ky",
        "http://x/confirm/t",
        ["newsletters"],
        sending.shop,
    )
    campaign = CampaignComposer(
        {"ky": NO_LINKS},
        "ky",
        "newsletters",
        uuid.uuid4(),
        uuid.uuid4(),
        LinkSigner(sending.secret_key),
        sending.public_base_url,
        sending.shop,
    ).compose([person("ky")])

    for outgoing in (confirmation, *campaign):
        backend.send(outgoing)
        message = written(tmp_path / "outbox")
        [sender] = message["From"].addresses
        assert (sender.display_name, sender.addr_spec) == (EXAMPLE_SHOP_NAME, EXAMPLE_SHOP_SENDER)
        text = message.get_body(("plain",)).get_content()
        assert f"«{EXAMPLE_SHOP_NAME}»" in text
        assert EXAMPLE_SHOP_CONTACT in text
        next((tmp_path / "outbox").glob("*.eml")).unlink()
