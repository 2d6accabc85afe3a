"""A real OpenID provider process for the console's single sign-on tests.

`tests/oidc/provider.mjs` runs panva's certified `oidc-provider` (the exact version pinned in
`tests/oidc/package-lock.json`) on the machine's Node.js: one confidential client, the
authorization code flow with PKCE S256 required, a `groups` claim in the ID token, and a login
step that is a plain HTML form asking for an account's login. Testing against a real provider
rather than a mock of our own means the console is tested against what an identity provider
really sends, redirects, cookies and signatures included.

The node modules are installed with `npm ci` the first time a test needs them, and again
whenever the lock file changes. Node.js or npm missing, or the registry unreachable: the tests
that need the provider skip locally and fail in CI, as for PostgreSQL (tests/databases.py).
"""

import fcntl
import hashlib
import json
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import IO
from urllib.parse import urljoin

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.databases import service_unavailable
from tests.processes import free_port, start, stop

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
NODE_MODULES = OIDC_DIR / "node_modules"
INSTALLED_FROM = NODE_MODULES / ".installed-from"
"""Holds the digest of the package files `npm ci` last installed, so a changed lock reinstalls."""

START_TIMEOUT = 30.0
"""Seconds the provider gets to answer its discovery document (Node starts in well under one)."""

SCOPE = "openid email profile groups"
"""What the console asks for: who the person is, their address, and their groups for roles."""

SIGN_IN_STEPS = 10
"""Redirects and forms a sign-in may take: authorize, login, resume, consent, resume, callback."""


@dataclass(frozen=True)
class Account:
    """A person known to the provider; `login` is what they type in its login form."""

    login: str
    email: str
    name: str
    groups: tuple[str, ...]


ACCOUNTS = (
    Account("aida", "aida@shop.example", "Aida Marketer", ("mkt",)),
    Account("bakyt", "bakyt@shop.example", "Bakyt Privacy", ("dpo",)),
    Account("elnura", "elnura@shop.example", "Elnura Both", ("mkt", "dpo")),
    Account("chyngyz", "chyngyz@shop.example", "Chyngyz Warehouse", ("warehouse",)),
    Account("dinara", "dinara@shop.example", "Dinara Nogroup", ()),
)
"""A marketer (`mkt`), a privacy officer (`dpo`), someone in both, someone in a group no role
is mapped to, and someone in no group at all."""


@dataclass(frozen=True)
class OidcProvider:
    """A running provider and the one client registered with it."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    accounts: tuple[Account, ...]

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def discovery(self) -> dict:
        with urllib.request.urlopen(self.discovery_url, timeout=5) as response:
            return json.load(response)

    def client(self, redirect_uri: str) -> OAuth2Session:
        """An OAuth client for the registered client, with PKCE S256, as the console is one."""
        return OAuth2Session(
            self.client_id,
            self.client_secret,
            scope=SCOPE,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )

    def id_token_claims(self, id_token: str, nonce: str) -> dict:
        """Verify the token's signature with the keys the provider publishes, then its issuer,
        audience, nonce and expiry; answer its claims."""
        with urllib.request.urlopen(self.discovery()["jwks_uri"], timeout=5) as response:
            keys = KeySet.import_key_set(json.load(response))
        token = jwt.decode(id_token, keys, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
        ).validate(token.claims)
        return token.claims


def _package_digest() -> str:
    files = (OIDC_DIR / "package.json", OIDC_DIR / "package-lock.json")
    return hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        service_unavailable(
            "Node.js with npm",
            f"`{name}` is not on PATH; the OpenID provider tests need Node.js 18 or later "
            "with npm (Debian: `apt-get install nodejs npm`)",
        )
    return found


def install_node_modules() -> None:
    """`npm ci` in tests/oidc unless the modules there came from the current lock file.

    A lock on a file keeps two test runs sharing this checkout from installing at once.
    """
    npm = _tool("npm")
    with (OIDC_DIR / ".npm.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        digest = _package_digest()
        if INSTALLED_FROM.is_file() and INSTALLED_FROM.read_text() == digest:
            return
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=OIDC_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            service_unavailable(
                "npm ci in tests/oidc",
                f"exit {result.returncode}: {(result.stderr or result.stdout)[-2000:]}",
            )
        INSTALLED_FROM.write_text(digest)


def _await_discovery(provider: OidcProvider, process: subprocess.Popen, log: IO[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"The OpenID provider exited ({process.returncode}):\n{_text(log)}")
        try:
            provider.discovery()
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"The OpenID provider did not answer discovery:\n{_text(log)}")
            time.sleep(0.1)
        else:
            return


def _text(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-4000:]


@contextmanager
def running_provider(
    redirect_uris: Sequence[str],
    accounts: Sequence[Account] = ACCOUNTS,
    client_id: str = "consent-console",
) -> Iterator[OidcProvider]:
    """Start the provider on a free port with one client and `accounts`; stop it afterwards.

    The client's secret and the provider's signing key are new at every start.
    """
    install_node_modules()
    node = _tool("node")
    port = free_port()
    provider = OidcProvider(
        issuer=f"http://127.0.0.1:{port}",
        client_id=client_id,
        client_secret=secrets.token_urlsafe(32),
        redirect_uris=tuple(redirect_uris),
        accounts=tuple(accounts),
    )
    argv = [node, "provider.mjs", "--port", str(port), "--issuer", provider.issuer]
    # joined with "=": a random secret may begin with "-", which parseArgs reads as an option
    argv += ["--client-id", provider.client_id, f"--client-secret={provider.client_secret}"]
    for uri in provider.redirect_uris:
        argv += ["--redirect-uri", uri]
    argv += ["--accounts", json.dumps([account.__dict__ for account in provider.accounts])]
    with tempfile.TemporaryFile() as log:
        process = start(argv, cwd=OIDC_DIR, stdout=log, stderr=subprocess.STDOUT)
        try:
            _await_discovery(provider, process, log)
            yield provider
        finally:
            stop(process)


class _LoginForm(HTMLParser):
    """Finds the action of the form that has a `login` field."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self._form_action: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._form_action = attributes.get("action") or ""
        elif tag == "input" and attributes.get("name") == "login" and self.action is None:
            self.action = self._form_action


def login_form_action(html: str) -> str | None:
    parser = _LoginForm()
    parser.feed(html)
    return parser.action


def sign_in(
    session: requests.Session, provider: OidcProvider, authorization_url: str, login: str
) -> str:
    """Go through the provider as a browser would: follow its redirects, type `login` into its
    form; answer the URL it finally sends the browser to, off the provider (the client's
    redirect URI with `code` and `state`), without fetching it.
    """
    response = session.get(authorization_url, allow_redirects=False, timeout=10)
    submitted = False
    for _ in range(SIGN_IN_STEPS):
        if response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if not target.startswith(f"{provider.issuer}/"):
                return target
            response = session.get(target, allow_redirects=False, timeout=10)
            continue
        action = login_form_action(response.text) if response.status_code == 200 else None
        if action is None or submitted:
            raise AssertionError(f"The provider answered {response.status_code}: {response.text}")
        response = session.post(
            urljoin(response.url, action), data={"login": login}, allow_redirects=False, timeout=10
        )
        submitted = True
    raise AssertionError(f"The sign-in took more than {SIGN_IN_STEPS} steps")
