"""`/`: the first address `consent up` prints is a page, in every language, leading on."""

import re

import pytest

from consent_service.domain.locales import LOCALES
from consent_service.translations import translate
from plumbing.shop import EXAMPLE_SHOP_NAME
from tests.web.conftest import html_lang


def links(page: str) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"]+)"', page)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_front_page_speaks_every_language(client, locale) -> None:
    response = client.get(f"/?lang={locale}")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert html_lang(page) == locale
    assert f"<h1>{translate(locale, 'Privacy and email preferences')}</h1>" in page
    assert translate(locale, "The links in our emails") in page
    assert EXAMPLE_SHOP_NAME in page


def test_every_link_on_the_front_page_leads_somewhere(client) -> None:
    page = client.get("/?lang=en").get_data(as_text=True)
    found = links(page)

    assert {"/policy", "/openapi.json", "#email-links", "/console/login"} <= set(found)
    for href in found:
        if href.startswith("#"):
            assert f'id="{href[1:]}"' in page
        else:
            assert client.get(href).status_code == 200, href


def test_the_front_page_is_a_public_page_with_its_headers(client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
