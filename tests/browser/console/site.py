"""The console served by a real `consent serve`, with a real OpenID provider beside it.

`running_console()` picks the registry's port first, starts the provider with the console's
callback on that port as its redirect URI, then the registry on fresh PostgreSQL with the
provider configured (CONSOLE_OIDC_*). People are made with `consent users create`, as an
operator makes them; `ready_person` also chooses their own password through the console's
forms over plain HTTP, so a browser test starts from a settled account.

The registry believes one proxy (CONSENT_TRUSTED_PROXIES=1): a browser context that sends its
own X-Forwarded-For is a client of its own for the login throttle, so a test that fails a
sign-in on purpose never makes the others wait.
"""

import itertools
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from playwright.sync_api import Page, Response

from tests.browser.console.history import record_month
from tests.browser.screenshots import DEMO_SHOP
from tests.browser.site import SECRET, PublicSite, running_site
from tests.oidc_provider import OidcProvider, running_provider
from tests.processes import consent_cli, free_port

PASSWORD = "a settled password for tests"
_clients = itertools.count(1)


@dataclass(frozen=True)
class Person:
    email: str
    password: str


class ConsoleSite:
    """The console of a running registry; `provider` is the OpenID provider beside it, if any
    (a stack started for the mailer has none: its people sign in with passwords)."""

    def __init__(self, site: PublicSite, provider: OidcProvider | None = None) -> None:
        self.site = site
        self.provider = provider

    @property
    def base(self) -> str:
        return self.site.base

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def new_person(self, role: str, name: str | None = None) -> Person:
        """Someone an administrator just added: their one-time password."""
        email = f"{role}-{uuid.uuid4().hex[:8]}@ala-too.example.kg"
        options = ["--name", name] if name else []
        created = consent_cli(
            self.site.stack.environ, "users", "create", "--email", email, "--role", role, *options
        )
        assert created.returncode == 0, created.stderr
        return Person(email, created.stdout.strip().splitlines()[-1])

    def ready_person(self, role: str, name: str | None = None) -> Person:
        """Someone who has signed in once and chosen their own password."""
        person = self.new_person(role, name)
        with requests.Session() as http:
            token = csrf_token(http.get(self.url("/console/login"), timeout=10).text)
            signed = http.post(
                self.url("/console/login"),
                data={"csrf_token": token, "email": person.email, "password": person.password},
                timeout=10,
            )
            assert signed.url.endswith("/console/password"), signed.url
            changed = http.post(
                self.url("/console/password"),
                data={"csrf_token": token, "new_password": PASSWORD, "repeat_password": PASSWORD},
                timeout=10,
            )
            assert changed.ok, changed.text
        return Person(person.email, PASSWORD)


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found[1]


def as_new_client(page: Page) -> None:
    """Make the page's browser context a client of its own (an address from TEST-NET-2)."""
    number = next(_clients)
    page.context.set_extra_http_headers(
        {"X-Forwarded-For": f"198.51.{number // 250}.{number % 250 + 1}"}
    )


def submit(page: Page, button: str) -> Response | None:
    with page.expect_navigation():
        page.locator(button).click()
    return None


def sign_in(page: Page, site: ConsoleSite, person: Person) -> None:
    page.goto(site.url("/console/login"))
    page.locator("#email").fill(person.email)
    page.locator("#password").fill(person.password)
    submit(page, "#sign-in")


WITH_MAILER = ("api", "relay", "mailer")
"""The parts for pages that show the mailer's part (a person's emails): without a mailer,
each such page waits CONSENT_EXPORT_TIMEOUT, here 2 s, and says the mailer did not answer."""


@contextmanager
def running_console(workdir: Path, parts: tuple[str, ...] = ("api",)) -> Iterator[ConsoleSite]:
    port = free_port()
    callback = f"http://127.0.0.1:{port}/console/oidc/callback"
    with (
        running_provider([callback]) as provider,
        running_site(
            workdir,
            parts=parts,
            port=port,
            CONSENT_EXPORT_TIMEOUT="10" if "mailer" in parts else "2",
            CONSENT_TRUSTED_PROXIES="1",
            CONSOLE_OIDC_ISSUER=provider.issuer,
            CONSOLE_OIDC_CLIENT_ID=provider.client_id,
            CONSOLE_OIDC_CLIENT_SECRET=provider.client_secret,
            CONSOLE_OIDC_ROLES="mkt=marketing,dpo=privacy",
            **DEMO_SHOP,
        ) as site,
    ):
        environ = site.stack.environ
        record_month(environ["CONSENT_DATABASE_URL"], SECRET, site.base)
        yield ConsoleSite(site, provider)
