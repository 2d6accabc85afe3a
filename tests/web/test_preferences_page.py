"""`GET /preferences/{token}`: what the page shows, in whose language, and what it refuses."""

# Kyrgyz and Russian text is Cyrillic on purpose.

import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner

from consent_service.app import create_app
from consent_service.config import Settings
from consent_service.domain.purpose_texts import TITLES
from consent_service.translations import translate
from plumbing.tokens import PREFERENCES_MAX_AGE, LinkSigner
from tests.factories import consent_body
from tests.web.conftest import html_lang

DEFAULT_AUTHORITY = (
    "State Agency for Personal Data Protection under the Cabinet of Ministers of the "
    "Kyrgyz Republic"
)


def checkbox(page: str, purpose: str) -> str:
    found = re.search(rf'<input type="checkbox"[^>]*id="purpose-{purpose}"[^>]*>', page)
    assert found, f"no checkbox for {purpose}"
    return found.group(0)


def test_every_consent_purpose_has_a_labelled_switch_showing_its_state(
    client, new_subject, preferences_url
) -> None:
    subject_id = new_subject({"personalization": True, "newsletters": True, "surveys": False})
    url = preferences_url(subject_id)  # once: a token signed a second later differs
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert 'id="preferences-form"' in page
    assert f'action="{url}"' in page
    for purpose in ("personalization", "promotions", "surveys", "newsletters"):
        assert f'name="purpose" value="{purpose}"' in checkbox(page, purpose)
        assert f'<label for="purpose-{purpose}">{TITLES[purpose]}</label>' in page
    assert "checked" in checkbox(page, "personalization")
    assert "checked" in checkbox(page, "newsletters")  # pending: ticked, not yet confirmed
    assert "checked" not in checkbox(page, "surveys")
    assert "checked" not in checkbox(page, "promotions")
    for state in ("Granted", "Waiting for confirmation", "Withdrawn", "Never asked"):
        assert state in page
    assert '<button type="submit" id="save">' in page


def test_showing_the_page_changes_nothing(
    client, new_subject, preferences_url, table_counts
) -> None:
    subject_id = new_subject({"newsletters": True})
    before = table_counts()
    assert client.get(preferences_url(subject_id)).status_code == 200
    assert table_counts() == before


def test_the_page_speaks_the_stored_locale_unless_the_visitor_chooses(
    client, new_subject, preferences_url
) -> None:
    url = preferences_url(new_subject({"newsletters": True}, locale="ky"))
    kyrgyz = client.get(url).get_data(as_text=True)
    assert html_lang(kyrgyz) == "ky"
    assert translate("ky", TITLES["newsletters"]) in kyrgyz
    assert translate("ky", "Save my choices") in kyrgyz
    assert translate("ky", "Save my choices") != "Save my choices"
    russian = client.get(url + "?lang=ru").get_data(as_text=True)
    assert html_lang(russian) == "ru"
    assert translate("ru", "Save my choices") in russian


def test_the_language_choice_offers_three_languages_with_the_stored_one_selected(
    client, new_subject, preferences_url
) -> None:
    page = client.get(preferences_url(new_subject({"newsletters": True}, locale="ru")))
    html = page.get_data(as_text=True)
    assert '<select name="locale" id="locale">' in html
    assert '<option value="ru" lang="ru" selected>Русский</option>' in html
    assert '<option value="ky" lang="ky">Кыргызча</option>' in html
    assert '<option value="en" lang="en">English</option>' in html


def test_purposes_not_resting_on_consent_show_their_legal_basis_without_a_switch(
    client, new_subject, preferences_url
) -> None:
    page = client.get(preferences_url(new_subject({"newsletters": True})) + "?lang=en")
    html = page.get_data(as_text=True)
    for purpose in ("site_improvement", "customer_service", "transactions"):
        assert TITLES[purpose] in html
        assert f'value="{purpose}"' not in html
    assert "Legal basis: legitimate interest" in html
    assert "Legal basis: contract" in html


def test_the_page_offers_download_deletion_and_the_default_authority(
    client, new_subject, preferences_url
) -> None:
    url = preferences_url(new_subject({"newsletters": True}))
    html = client.get(url).get_data(as_text=True)
    assert f'<form method="post" action="{url}/export">' in html
    assert 'id="download"' in html
    assert f'<a id="delete" href="{url}/delete">' in html
    assert translate("ky", DEFAULT_AUTHORITY) in html
    assert translate("ky", DEFAULT_AUTHORITY) != DEFAULT_AUTHORITY
    assert 'href="https://dpa.gov.kg/"' in html


@pytest.fixture
def configured_client(environ: dict[str, str]) -> Iterator[Callable[..., FlaskClient]]:
    """A client of an app started with these settings added, on the same database."""
    made: list[Flask] = []

    def build(**env: str) -> FlaskClient:
        app = create_app(Settings.from_env({**environ, **env}))
        app.config["TESTING"] = True
        made.append(app)
        return app.test_client()

    yield build
    for app in made:
        app.extensions["consent.engine"].dispose()


def test_a_configured_authority_and_the_controllers_contact_are_shown(
    configured_client, preferences_url, writer
) -> None:
    client = configured_client(
        CONSENT_AUTHORITY_NAME="Datatilsynet",
        CONSENT_AUTHORITY_URL="https://www.datatilsynet.no/",
        CONSENT_CONTROLLER_CONTACT="privacy@shop.kg",
    )
    created = client.post("/v1/consents", json=consent_body(), headers=writer)
    url = preferences_url(created.get_json()["subject_id"])
    html = client.get(url).get_data(as_text=True)
    assert '<a id="authority" href="https://www.datatilsynet.no/"' in html
    assert "Datatilsynet</a>" in html
    assert "privacy@shop.kg" in html


def test_a_tampered_token_is_a_400_page(client, new_subject, preferences_url) -> None:
    url = preferences_url(new_subject({"newsletters": True}))
    response = client.get(url[:-3] + ("aaa" if not url.endswith("aaa") else "bbb"))
    assert response.status_code == 400
    assert response.mimetype == "text/html"


def test_an_unsubscribe_token_does_not_open_the_preference_centre(client, new_subject) -> None:
    subject_id = uuid.UUID(new_subject({"newsletters": True}))
    token = LinkSigner("test-secret").unsubscribe_token(subject_id, "newsletters")
    assert client.get(f"/preferences/{token}").status_code == 400


def test_an_expired_token_is_a_400_page(client, new_subject, monkeypatch) -> None:
    subject_id = uuid.UUID(new_subject({"newsletters": True}))
    then = int(time.time() - (PREFERENCES_MAX_AGE + timedelta(days=1)).total_seconds())
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda _self: then)
        token = LinkSigner("test-secret").preferences_token(subject_id)
    response = client.get(f"/preferences/{token}")
    assert response.status_code == 400
    assert "<form" not in response.get_data(as_text=True).split("</header>")[1]


def test_a_subject_not_held_is_a_404_page(client, preferences_url) -> None:
    assert client.get(preferences_url(str(uuid.uuid4()))).status_code == 404
