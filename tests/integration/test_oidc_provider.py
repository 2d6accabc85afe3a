"""The OpenID provider harness (tests/oidc_provider.py) behaves like the real provider it is:
discovery, the code flow with PKCE S256 required, and ID tokens signed with its published keys
carrying each account's email and groups. The console's sign-in tests rely on all of this."""

import base64
import hashlib
import json
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc.errors import BadSignatureError

from tests.oidc_provider import (
    ACCOUNTS,
    SCOPE,
    Account,
    OidcProvider,
    running_provider,
    sign_in,
)

REDIRECT_URI = "http://127.0.0.1:9/console/oidc/callback"
"""Never fetched: `sign_in` stops at the redirect to it, as a browser would hand it over."""


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with running_provider([REDIRECT_URI]) as running:
        yield running


def code_flow(provider: OidcProvider, login: str) -> tuple[dict, str]:
    """Sign `login` in through the provider; the token response and the nonce sent."""
    discovery = provider.discovery()
    client = provider.client(REDIRECT_URI)
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    callback = sign_in(requests.Session(), provider, url, login)
    token = client.fetch_token(
        discovery["token_endpoint"],
        authorization_response=callback,
        state=state,
        code_verifier=verifier,
    )
    return token, nonce


def test_discovery_offers_the_code_flow_with_s256_and_the_groups_scope(
    provider: OidcProvider,
) -> None:
    discovery = provider.discovery()
    assert discovery["issuer"] == provider.issuer
    assert discovery["response_types_supported"] == ["code"]
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert {"openid", "email", "profile", "groups"} <= set(discovery["scopes_supported"])
    assert "groups" in discovery["claims_supported"]


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda account: account.login)
def test_code_flow_gives_a_signed_id_token_with_the_accounts_email_and_groups(
    provider: OidcProvider, account: Account
) -> None:
    token, nonce = code_flow(provider, account.login)
    claims = provider.id_token_claims(token["id_token"], nonce)
    assert claims["sub"] == account.login
    assert claims["email"] == account.email
    assert claims["email_verified"] is True
    assert claims["groups"] == list(account.groups)


def test_an_id_token_with_changed_groups_fails_verification(provider: OidcProvider) -> None:
    token, nonce = code_flow(provider, ACCOUNTS[0].login)
    header, payload, signature = token["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["groups"] = ["dpo"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        provider.id_token_claims(f"{header}.{forged}.{signature}", nonce)


def authorization_query(provider: OidcProvider, **extra: str) -> str:
    query = {
        "client_id": provider.client_id,
        "response_type": "code",
        "scope": SCOPE,
        "redirect_uri": REDIRECT_URI,
        "state": "s",
        "nonce": "n",
    }
    return f"{provider.discovery()['authorization_endpoint']}?{urlencode(query | extra)}"


def callback_error(callback: str) -> str:
    return parse_qs(urlsplit(callback).query)["error"][0]


def test_an_authorization_request_without_pkce_is_refused(provider: OidcProvider) -> None:
    refused = requests.get(authorization_query(provider), allow_redirects=False, timeout=5)
    assert refused.is_redirect
    assert callback_error(refused.headers["Location"]) == "invalid_request"


def test_a_plain_pkce_challenge_is_refused(provider: OidcProvider) -> None:
    url = authorization_query(provider, code_challenge="x" * 43, code_challenge_method="plain")
    refused = requests.get(url, allow_redirects=False, timeout=5)
    assert callback_error(refused.headers["Location"]) == "invalid_request"


def test_a_code_is_not_exchanged_without_its_verifier(provider: OidcProvider) -> None:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    url = authorization_query(
        provider, code_challenge=challenge.decode(), code_challenge_method="S256"
    )
    callback = sign_in(requests.Session(), provider, url, ACCOUNTS[0].login)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    refused = requests.post(
        provider.discovery()["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": secrets.token_urlsafe(48),
        },
        auth=(provider.client_id, provider.client_secret),
        timeout=5,
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_an_unknown_login_is_not_signed_in(provider: OidcProvider) -> None:
    client = provider.client(REDIRECT_URI)
    url, _ = client.create_authorization_url(
        provider.discovery()["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48)
    )
    with pytest.raises(AssertionError, match="No account has this login"):
        sign_in(requests.Session(), provider, url, "nobody")
