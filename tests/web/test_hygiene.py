"""What every public page shares: security headers, cookies, rate limit, errors, own assets."""

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from consent_service.app import create_app
from consent_service.config import ConfigError, Settings
from consent_service.translations import translate
from tests.web.conftest import html_lang


@pytest.fixture
def make_app(environ: dict[str, str]) -> Iterator[Callable[..., Flask]]:
    made: list[Flask] = []

    def build(**env: str) -> Flask:
        app = create_app(Settings.from_env({**environ, **env}))
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield build
    for app in made:
        app.extensions["consent.engine"].dispose()


def test_pages_forbid_scripts_framing_and_outside_assets(client) -> None:
    response = client.get("/policy")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # http base URL
    page = response.get_data(as_text=True)
    assert "<script" not in page
    assets = re.findall(r'src="([^"]+)"', page) + re.findall(r'<link[^>]*href="([^"]+)"', page)
    assert assets
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), f"outside asset {url}"


def test_https_base_url_adds_hsts_and_secure_cookies(make_app) -> None:
    app = make_app(PUBLIC_BASE_URL="https://shop.example.kg")
    response = app.test_client().get("/policy?lang=ru")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert "lang=ru" in cookie and "Secure" in cookie and "HttpOnly" in cookie


def test_over_http_cookies_are_not_secure_only(client) -> None:
    cookies = client.get("/policy?lang=en").headers.getlist("Set-Cookie")
    assert any(c.startswith("lang=en") for c in cookies)
    assert all("Secure" not in c and "SameSite=Lax" in c for c in cookies)


def test_the_language_switch_is_remembered_by_a_cookie(client) -> None:
    client.get("/policy?lang=ru")
    assert html_lang(client.get("/policy").get_data(as_text=True)) == "ru"
    page = client.get("/policy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(page) == "ru"  # the switch beats the browser's preference
    assert html_lang(client.get("/policy?lang=en").get_data(as_text=True)) == "en"


def test_an_unsupported_language_falls_back_to_the_default(client) -> None:
    page = client.get("/policy?lang=de", headers={"Accept-Language": "de"})
    assert html_lang(page.get_data(as_text=True)) == "ky"
    assert "lang=" not in page.headers.get("Set-Cookie", "")


def test_default_locale_setting_decides_for_visitors_without_preference(make_app) -> None:
    page = make_app(DEFAULT_LOCALE="ru").test_client().get("/policy")
    assert html_lang(page.get_data(as_text=True)) == "ru"


def test_beyond_the_rate_limit_a_client_gets_a_localized_429(make_app) -> None:
    client = make_app(PUBLIC_RATE_LIMIT="3/minute").test_client()
    for _ in range(3):
        assert client.get("/policy").status_code == 200
    response = client.get("/policy?lang=ru")
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert int(response.headers["Retry-After"]) > 0
    assert translate("ru", "Too many requests") in response.get_data(as_text=True)
    assert client.get("/u/not-a-token").status_code == 429  # one budget for every page
    with client.get("/static/web/site.css") as asset:
        assert asset.status_code == 200  # assets are not counted
    assert client.get("/v1/purposes").status_code == 401  # the API is not a public page


def test_one_click_unsubscribes_are_never_throttled(make_app) -> None:
    client = make_app(PUBLIC_RATE_LIMIT="2/minute").test_client()
    for _ in range(5):
        response = client.post("/u/not-a-token", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400  # judged on its token, not throttled
    assert client.get("/policy").status_code == 200


def test_rate_limit_zero_turns_it_off(make_app) -> None:
    client = make_app(PUBLIC_RATE_LIMIT="0").test_client()
    assert all(client.get("/policy").status_code == 200 for _ in range(80))


@pytest.mark.parametrize("value", ["lots", "60/fortnight", "-1/minute", "0/minute"])
def test_a_malformed_rate_limit_stops_start_up(environ, value) -> None:
    with pytest.raises(ConfigError, match="PUBLIC_RATE_LIMIT"):
        Settings.from_env({**environ, "PUBLIC_RATE_LIMIT": value})


def test_unknown_public_addresses_get_a_page_and_api_addresses_a_problem(client) -> None:
    page = client.get("/nowhere?lang=ru")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert translate("ru", "Page not found") in page.get_data(as_text=True)
    problem = client.get("/v1/nowhere")
    assert problem.status_code == 404 and problem.mimetype == "application/problem+json"


def test_a_wrong_method_on_a_page_is_a_page_not_a_500(client) -> None:
    response = client.delete("/policy")
    assert response.status_code == 405 and response.mimetype == "text/html"


def test_brand_colour_and_name_reach_the_pages(make_app) -> None:
    client = make_app(
        CONSENT_BRAND_COLOUR="#0B5E3C", CONSENT_BRAND_NAME="Ала-Too Shop"
    ).test_client()
    assert "--brand: #0b5e3c;" in client.get("/static/brand.css").get_data(as_text=True)
    page = client.get("/policy").get_data(as_text=True)
    assert "Ала-Too Shop" in page
    assert 'href="/static/brand.css"' in page


@pytest.mark.parametrize("colour", ["#ffcc00", "#9ab", "teal"])
def test_a_colour_too_light_or_malformed_stops_start_up(environ, colour) -> None:
    with pytest.raises(ConfigError, match="CONSENT_BRAND_COLOUR"):
        Settings.from_env({**environ, "CONSENT_BRAND_COLOUR": colour})


def test_the_logo_is_served_by_the_service_itself(make_app, tmp_path: Path) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    client = make_app(CONSENT_BRAND_LOGO=str(logo), CONSENT_BRAND_NAME="Shop").test_client()
    assert '<img src="/static/brand-logo" alt="Shop"' in client.get("/policy").get_data(
        as_text=True
    )
    with client.get("/static/brand-logo") as served:
        assert served.status_code == 200 and served.mimetype == "image/svg+xml"
        assert "default-src 'none'" in served.headers["Content-Security-Policy"]
        # Mail programs and the console's sandboxed preview (an opaque origin) show it.
        assert served.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    with client.get("/static/brand.css") as stylesheet:
        assert stylesheet.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_without_a_logo_there_is_no_image(client) -> None:
    assert "<img" not in client.get("/policy").get_data(as_text=True)
    assert client.get("/static/brand-logo").status_code == 404


@pytest.mark.parametrize("name", ["logo.gif", "missing.svg"])
def test_a_logo_that_cannot_be_served_stops_start_up(environ, tmp_path, name) -> None:
    if name.endswith(".gif"):
        (tmp_path / name).write_bytes(b"GIF89a")
    with pytest.raises(ConfigError, match="CONSENT_BRAND_LOGO"):
        Settings.from_env({**environ, "CONSENT_BRAND_LOGO": str(tmp_path / name)})


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(make_app) -> None:
    client = make_app(PUBLIC_RATE_LIMIT="2/minute", CONSENT_TRUSTED_PROXIES="1").test_client()
    for address in ("203.0.113.7", "203.0.113.8"):
        headers = {"X-Forwarded-For": address}
        assert [client.get("/policy", headers=headers).status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
