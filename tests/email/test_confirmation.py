"""The double opt-in email: in the person's language, naming what they asked for."""

import uuid

import pytest

from consent_service.domain.purpose_texts import TITLES
from consent_service.translations import translate
from mailer.domain.purpose_titles import TITLES as MAILER_TITLES
from mailer.services.compose import confirmation_email
from mailer.translations import translate as mailer_translate
from plumbing.vocabulary import EMAIL_PURPOSES, LOCALES
from tests.email.factories import SHOP

CONFIRM_URL = "https://consent.example.kg/confirm/abc.def"


@pytest.mark.parametrize(
    ("locale", "subject"),
    [("ky", "Жазылууңузду ырастаңыз"), ("ru", "Подтвердите подписку"), ("en", "Please confirm")],
)
def test_the_confirmation_speaks_the_locale_and_names_the_purposes(
    locale: str, subject: str
) -> None:
    subject_id = uuid.uuid4()

    email = confirmation_email(
        subject_id, "aigul@example.kg", locale, "ky", CONFIRM_URL, ["newsletters", "surveys"], SHOP
    )

    assert email.category == "confirmation"
    assert email.content.subject.startswith(subject)
    for purpose in ("newsletters", "surveys"):
        assert translate(locale, TITLES[purpose]) in email.content.text
        assert translate(locale, TITLES[purpose]) in email.content.html
    assert CONFIRM_URL in email.content.text
    assert f'href="{CONFIRM_URL}"' in email.content.html
    assert f'lang="{locale}"' in email.content.html


def test_the_confirmation_is_transactional() -> None:
    subject_id = uuid.uuid4()

    email = confirmation_email(
        subject_id, "a@example.kg", "ru", "ky", CONFIRM_URL, ["promotions"], SHOP
    )

    [envelope] = email.envelopes
    assert envelope.address == "a@example.kg"
    assert envelope.headers == {}
    assert envelope.substitutions == {}
    assert envelope.custom_args == {"subject_id": str(subject_id)}


def test_an_unknown_locale_falls_back_to_the_default() -> None:
    email = confirmation_email(
        uuid.uuid4(), "a@example.kg", "de", "ru", CONFIRM_URL, ["surveys"], SHOP
    )

    assert email.content.subject == "Подтвердите подписку"


def test_the_link_is_escaped_in_html() -> None:
    url = "https://consent.example.kg/confirm/t?a=1&b=2"

    email = confirmation_email(uuid.uuid4(), "a@example.kg", "en", "ky", url, ["surveys"], SHOP)

    assert 'href="https://consent.example.kg/confirm/t?a=1&amp;b=2"' in email.content.html
    assert url in email.content.text


def test_purpose_titles_are_the_registry_catalogue_s() -> None:
    for purpose in EMAIL_PURPOSES:
        assert MAILER_TITLES[purpose] == TITLES[purpose]
        for locale in LOCALES:
            registry_title = translate(locale, TITLES[purpose])
            assert mailer_translate(locale, MAILER_TITLES[purpose]) == registry_title
            email = confirmation_email(
                uuid.uuid4(), "a@example.kg", locale, "ky", CONFIRM_URL, [purpose], SHOP
            )
            assert f"- {registry_title}\n" in email.content.text
