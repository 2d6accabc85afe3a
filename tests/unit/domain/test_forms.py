"""Sign-up forms in the domain: origins compare as browsers send them; a form only asks."""

import pytest

from consent_service.domain.consent import ConsentStatus, SubjectConsents
from plumbing.origins import normalize_origin, origin_of


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("https://Shop.Example.kg", "https://shop.example.kg"),
        ("https://shop.example.kg:443", "https://shop.example.kg"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("https://shop.example.kg/", "https://shop.example.kg"),
        ("https://shop.example.kg/signup", None),
        ("ftp://shop.example.kg", None),
        ("shop.example.kg", None),
        ("https://user@shop.example.kg", None),
        ("https://shop.example.kg:99999", None),
    ],
)
def test_an_origin_is_scheme_host_and_port_only(raw: str, origin: str | None) -> None:
    assert normalize_origin(raw) == origin


def test_the_origin_of_a_referer_drops_path_and_query() -> None:
    assert origin_of("https://shop.example.kg:8443/news?x=1#f") == "https://shop.example.kg:8443"
    assert origin_of("not a url") is None


def test_an_unproven_address_makes_a_grant_wait_even_when_confirmed_before() -> None:
    consents = SubjectConsents(email_confirmed=True)
    change = consents.decide("promotions", True, double_opt_in=True, address_proven=False)
    assert change is not None and change.status is ConsentStatus.PENDING
    granted = consents.decide("surveys", True, double_opt_in=True)
    assert granted is not None and granted.status is ConsentStatus.GRANTED
