"""A browser, with or without JavaScript, gets through the test OpenID provider's login form
and back to the client with a code: the console's single sign-on browser tests rely on it."""

import secrets
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page

from tests.oidc_provider import ACCOUNTS, OidcProvider, running_provider

REDIRECT_URI = "http://127.0.0.1:9/console/oidc/callback"
"""Nothing listens there: the test reads the URL the browser is sent to."""


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with running_provider([REDIRECT_URI]) as running:
        yield running


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_browser_signs_in_through_the_login_form(
    open_page: Callable[..., Page], provider: OidcProvider, javascript: bool
) -> None:
    account = ACCOUNTS[0]
    discovery = provider.discovery()
    client = provider.client(REDIRECT_URI)
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    page = open_page(javascript=javascript, locale="en")
    page.goto(url)
    page.get_by_label("Login").fill(account.login)
    with page.expect_request(lambda request: request.url.startswith(REDIRECT_URI)) as callback:
        page.get_by_role("button", name="Sign in").click()
    token = client.fetch_token(
        discovery["token_endpoint"],
        authorization_response=callback.value.url,
        state=state,
        code_verifier=verifier,
    )
    assert provider.id_token_claims(token["id_token"], nonce)["groups"] == list(account.groups)
