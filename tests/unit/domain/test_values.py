"""Emails, evidence, card numbers and the purpose catalogue."""

import pytest

from consent_service.domain.emails import email_key, normalize_email
from consent_service.domain.errors import InvalidEmail, NotWithdrawable, UnknownPurpose
from consent_service.domain.evidence import clean_evidence, truncate_ip
from consent_service.domain.locales import LOCALES
from consent_service.domain.purposes import CATALOGUE, CONSENT_PURPOSES, consent_purpose
from consent_service.translations import in_every_locale
from plumbing.card_numbers import looks_like_card_number


def test_email_is_trimmed_and_its_domain_lower_cased() -> None:
    assert normalize_email("  Aigul.B@Example.KG \n") == "Aigul.B@example.kg"


def test_email_key_ignores_case_of_the_whole_address() -> None:
    assert email_key(normalize_email("Aigul@Example.kg")) == email_key("aigul@example.KG")


@pytest.mark.parametrize("bad", ["", "   ", "no-at-sign", "a@b", "a@@b.kg", "x" * 250 + "@a.kg"])
def test_invalid_emails_are_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(InvalidEmail) as error:
        normalize_email(bad)
    assert error.value.message


def test_ip_evidence_is_truncated_to_a_network() -> None:
    assert truncate_ip("203.0.113.77") == "203.0.113.0/24"
    assert truncate_ip("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"
    assert clean_evidence({"ip": "198.51.100.9", "form_id": "f"}) == {
        "ip": "198.51.100.0/24",
        "form_id": "f",
    }


@pytest.mark.parametrize(
    "text", ["4111 1111 1111 1111", "card 5500-0000-0000-0004", "4012888888881881"]
)
def test_card_numbers_are_recognised(text: str) -> None:
    assert looks_like_card_number(text)


@pytest.mark.parametrize("text", ["u-17", "order 1234567890123", "Aigul Bekova"])
def test_ordinary_text_is_not_a_card_number(text: str) -> None:
    assert not looks_like_card_number(text)


def test_catalogue_has_the_policy_purposes_with_texts_in_every_locale() -> None:
    assert {"personalization", "promotions", "surveys", "newsletters"} == CONSENT_PURPOSES
    assert set(CATALOGUE) - CONSENT_PURPOSES == {
        "site_improvement",
        "customer_service",
        "transactions",
    }
    for purpose in CATALOGUE.values():
        for text in (purpose.title, purpose.description):
            translated = in_every_locale(text)
            assert set(translated) == set(LOCALES) and all(translated.values())
            assert translated["ky"] != text and translated["ru"] != text


def test_non_consent_purposes_cannot_be_granted() -> None:
    with pytest.raises(NotWithdrawable):
        consent_purpose("transactions")
    with pytest.raises(UnknownPurpose):
        consent_purpose("marketing")
