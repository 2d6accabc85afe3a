"""`/policy` and `/policy/versions/{version}`: the text people agreed to, in their language."""

# Kyrgyz text is Cyrillic on purpose.
# ruff: noqa: RUF001

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date
from flask.testing import FlaskClient

from consent_service.translations import translate
from tests.web.conftest import html_lang

SEED = Path(__file__).resolve().parents[2] / "consent_service" / "policy_texts" / "2026-11-01"


def first_heading(locale: str) -> str:
    return (SEED / f"{locale}.txt").read_text(encoding="utf-8").splitlines()[0].strip()


@pytest.fixture
def publish(client: FlaskClient, make_key: Callable[..., str]) -> Callable[..., None]:
    admin = {"Authorization": f"Bearer {make_key('admin')}"}

    def create(version: str, documents: dict[str, str], effective_at: datetime) -> None:
        body = {
            "version": version,
            "effective_at": effective_at.isoformat(),
            "documents": documents,
        }
        response = client.post("/v1/policies", json=body, headers=admin)
        assert response.status_code == 201, response.get_json()

    return create


def test_the_policy_speaks_kyrgyz_by_default_with_its_version_and_date(client) -> None:
    response = client.get("/policy")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert html_lang(page) == "ky"
    assert f"<h2>{first_heading('ky')}</h2>" in page
    assert "2026-11-01" in page
    assert format_date(date(2026, 11, 1), "long", locale="ky") in page
    assert translate("ky", "Privacy policy") in page


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_lang_parameter_and_accept_language_choose_the_document(client, locale) -> None:
    by_parameter = client.get(f"/policy?lang={locale}").get_data(as_text=True)
    assert html_lang(by_parameter) == locale
    assert first_heading(locale) in by_parameter
    fresh = client.application.test_client()
    by_header = fresh.get("/policy", headers={"Accept-Language": f"{locale}-KG,{locale};q=0.9"})
    assert first_heading(locale) in by_header.get_data(as_text=True)


def test_the_policy_is_structured_into_sections_and_lists(client) -> None:
    page = client.get("/policy?lang=en").get_data(as_text=True)
    assert page.count("<section>") >= 7
    assert "<ol><li>To personalise your experience" in page


def test_a_newer_version_becomes_current_and_the_older_stays_readable(client, publish) -> None:
    publish(
        "web-test-newer",
        {"ky": "Жаңы саясат\nБиринчи абзац.", "en": "New policy\nFirst paragraph."},
        datetime(2026, 11, 20, tzinfo=UTC),
    )
    current = client.get("/policy?lang=en").get_data(as_text=True)
    assert "<h2>New policy</h2>" in current
    assert 'href="/policy/versions/2026-11-01"' in current
    older = client.get("/policy/versions/2026-11-01?lang=en")
    assert older.status_code == 200
    page = older.get_data(as_text=True)
    assert first_heading("en") in page
    assert "This is an earlier version." in page
    assert 'href="/policy"' in page


def test_a_version_without_the_visitors_language_shows_the_original_marked(client, publish) -> None:
    publish(
        "web-test-older-doc",
        {"ky": "Жаңы саясат\nБиринчи абзац."},
        datetime(2026, 11, 20, tzinfo=UTC),
    )
    page = client.get("/policy?lang=ru").get_data(as_text=True)
    assert html_lang(page) == "ru"
    assert '<div class="policy" lang="ky">' in page
    assert (
        translate(
            "ru",
            "This version of the policy is not available in your language; "
            "it is shown in the original.",
        )
        in page
    )


def test_unknown_and_future_versions_are_a_localized_404_page(client, publish) -> None:
    publish("web-test-future", {"ky": "Келечек\nТекст."}, datetime.now(UTC) + timedelta(days=30))
    for path in ("/policy/versions/nope", "/policy/versions/web-test-future"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "text/html"
        assert translate("ky", "Page not found") in response.get_data(as_text=True)
    assert "web-test-future" not in client.get("/policy").get_data(as_text=True)
