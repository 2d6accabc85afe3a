"""Single sign-on through a real OpenID provider (tests/oidc_provider.py), over plain HTTP.

The console redirects the browser to the provider; a `requests` session plays the browser
there (its login form, its redirects) and hands the URL the provider sends it back to to the
console's test client, which holds the console's own cookies. Each test account's groups give
what CONSOLE_OIDC_ROLES says: `mkt` marketing, `dpo` privacy, both the union, an unmapped group
or none no access at all.
"""

from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import select

from consent_service.adapters import orm
from tests.console.conftest import Browser, location, text
from tests.oidc_provider import ACCOUNTS, OidcProvider, running_provider, sign_in

BASE_URL = "http://127.0.0.1:8000"
CALLBACK = f"{BASE_URL}/console/oidc/callback"
ROLES_BY_LOGIN = {
    "aida": {"marketing"},
    "bakyt": {"privacy"},
    "elnura": {"marketing", "privacy"},
    "chyngyz": set(),
    "dinara": set(),
}


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with running_provider([CALLBACK]) as running:
        yield running


@pytest.fixture
def app(make_app, clock, provider):  # the console with the provider configured
    return make_app(
        PUBLIC_BASE_URL=BASE_URL,
        CONSOLE_OIDC_ISSUER=provider.issuer,
        CONSOLE_OIDC_CLIENT_ID=provider.client_id,
        CONSOLE_OIDC_CLIENT_SECRET=provider.client_secret,
        CONSOLE_OIDC_ROLES="mkt=marketing,dpo=privacy",
    )


def start(visitor: Browser) -> str:
    """Press the single sign-on button; the provider's authorization URL it leads to."""
    answer = visitor.post("/console/oidc/start")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return location(answer)


def at_provider(provider: OidcProvider, authorization_url: str, login: str) -> str:
    """Sign in at the provider as `login`; the callback URL it sends the browser back to."""
    with requests.Session() as session:
        return sign_in(session, provider, authorization_url, login)


def back(visitor: Browser, callback_url: str):
    parts = urlsplit(callback_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return visitor.get(f"{parts.path}?{parts.query}")


def staff_rows(app) -> list:
    with app.extensions["consent.engine"].connect() as connection:
        return list(connection.execute(select(orm.StaffUser)))


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_the_login_page_offers_single_sign_on_and_its_csp_lets_the_form_reach_the_provider(
    app, browser, provider
) -> None:
    page = browser().get("/console/login")

    assert 'action="/console/oidc/start"' in page.get_data(as_text=True)
    assert f"form-action 'self' {provider.issuer}" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize("account", ACCOUNTS, ids=[account.login for account in ACCOUNTS])
def test_each_account_gets_the_roles_of_its_groups_or_no_access(
    app, browser, provider, account
) -> None:
    visitor = browser()
    authorization_url = start(visitor)
    query = parse_qs(urlsplit(authorization_url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] and query["nonce"] and query["code_challenge"]

    answer = back(visitor, at_provider(provider, authorization_url, account.login))

    expected = ROLES_BY_LOGIN[account.login]
    if not expected:
        assert answer.status_code == 403
        assert "none of your groups gives a role in this console" in text(answer)
        assert staff_rows(app) == []
        assert location(visitor.get("/console/")).startswith("/console/login")
        return
    assert location(answer) == "/console/"
    assert visitor.get("/console/").status_code == 200
    [row] = staff_rows(app)
    assert (row.oidc_issuer, row.email, row.name) == (provider.issuer, account.email, account.name)
    assert row.oidc_subject == account.login  # the provider's `sub`
    assert set(row.roles) == expected
    assert row.password_hash is None and row.email_key is None
    users_page = visitor.get("/console/users").status_code
    assert users_page == 403  # no group maps to admin


def test_signing_in_again_finds_the_same_person(app, browser, provider) -> None:
    for _ in range(2):
        visitor = browser()
        assert location(back(visitor, at_provider(provider, start(visitor), "aida"))) == "/console/"

    assert len(staff_rows(app)) == 1


def test_a_tampered_state_is_refused(app, browser, provider, caplog) -> None:
    visitor = browser()
    callback = at_provider(provider, start(visitor), "aida")

    refused = back(visitor, with_query(callback, state="forged-state"))

    assert refused.status_code == 400
    assert [line.split(":")[0] for line in refusals(caplog)] == ["MismatchingStateError"]
    assert "Single sign-on did not work" in text(refused)
    assert staff_rows(app) == []


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{record.error}: {record.detail}"
        for record in caplog.records
        if getattr(record, "event", None) == "console_oidc_failed"
    ]


def test_a_tampered_nonce_is_refused(app, browser, provider, caplog) -> None:
    visitor = browser()
    authorization_url = with_query(start(visitor), nonce="a-nonce-of-the-attackers")

    refused = back(visitor, at_provider(provider, authorization_url, "aida"))

    assert refused.status_code == 400
    assert refusals(caplog) == ["InvalidClaimError: invalid_claim: Invalid claim: 'nonce'"]
    assert staff_rows(app) == []
    assert location(visitor.get("/console/")).startswith("/console/login")


def test_a_callback_is_used_once_and_only_by_the_browser_that_started(
    app, browser, provider
) -> None:
    visitor = browser()
    callback = at_provider(provider, start(visitor), "aida")
    other = browser()

    assert back(other, callback).status_code == 400  # no state of its own
    assert location(back(visitor, callback)) == "/console/"
    assert back(visitor, callback).status_code == 400  # the state was spent


def test_someone_an_administrator_disabled_stays_out(app, browser, provider, person) -> None:
    visitor = browser()
    back(visitor, at_provider(provider, start(visitor), "bakyt"))
    [row] = staff_rows(app)
    admin = browser()
    from tests.console.conftest import signed_in

    signed_in(admin, person("admin")).post(f"/console/users/{row.id}/disable")

    again = browser()
    refused = back(again, at_provider(provider, start(again), "bakyt"))
    assert refused.status_code == 403
    assert "Your account was disabled here." in text(refused)
    assert location(visitor.get("/console/")).startswith("/console/login")


def test_a_provider_that_does_not_answer_gets_a_page_not_an_error(make_app, clock) -> None:
    app = make_app(
        CONSOLE_OIDC_ISSUER="http://127.0.0.1:9",  # the discard port: nothing answers there
        CONSOLE_OIDC_CLIENT_ID="consent-console",
        CONSOLE_OIDC_CLIENT_SECRET="s3cret",
        CONSOLE_OIDC_ROLES="mkt=marketing",
    )

    answer = Browser(app.test_client()).post("/console/oidc/start")

    assert answer.status_code == 502
    assert "The identity provider did not answer." in text(answer)
