"""The email with a preference-centre link a person asked for on the unsubscribe page."""

import uuid

import pytest

from mailer.services.compose import preferences_link_email
from tests.email.factories import SHOP

PREFERENCES_URL = "https://consent.example.kg/preferences/abc.def?x=1&y=2"


@pytest.mark.parametrize(
    ("locale", "subject"),
    [
        ("ky", "Кат алуу жөндөөлөрүңүзгө шилтеме"),
        ("ru", "Ссылка на ваши настройки рассылок"),
        ("en", "Your link to your email preferences"),
    ],
)
def test_the_email_speaks_the_locale_and_carries_the_link(locale: str, subject: str) -> None:
    email = preferences_link_email(
        uuid.uuid4(), "aigul@example.kg", locale, "ky", PREFERENCES_URL, SHOP
    )

    assert email.category == "preferences"
    assert email.content.subject == subject
    assert PREFERENCES_URL in email.content.text
    assert 'href="https://consent.example.kg/preferences/abc.def?x=1&amp;y=2"' in email.content.html
    assert f'lang="{locale}"' in email.content.html
    assert "90" in email.content.text
    assert SHOP.name in email.content.text
    assert SHOP.contact in email.content.text
    assert "from us" not in email.content.text


def test_the_email_is_transactional_and_goes_to_the_given_address_only() -> None:
    subject_id = uuid.uuid4()

    email = preferences_link_email(subject_id, "a@example.kg", "de", "ru", PREFERENCES_URL, SHOP)

    [envelope] = email.envelopes
    assert envelope.address == "a@example.kg"
    assert envelope.headers == {}
    assert envelope.custom_args == {"subject_id": str(subject_id)}
    assert email.content.subject == "Ссылка на ваши настройки рассылок"
