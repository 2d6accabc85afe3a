"""Fixtures for the console's HTTP tests: an app with cheap Argon2 parameters, people in any
role, a browser-like client that carries the CSRF field, and a clock the tests move.

Argon2id at the production parameters costs a third of a second per check; these tests sign in
hundreds of times, so the app gets argon2-cffi's cheapest parameters (the algorithm and the code
are the same). The clock is the faces' (`consent_service.faces.clock.now`), which every console
view reads, so a timeout is reached by moving it, never by sleeping.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from argon2 import profiles
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from consent_service.adapters.passwords import Passwords
from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.app import create_app
from consent_service.config import Settings
from consent_service.console.sessions import COOKIE, PASSWORDS
from consent_service.domain.staff.accounts import StaffAccount
from consent_service.faces import clock as faces_clock
from consent_service.services import staff_accounts
from consent_service.services.staff_accounts import COMMAND_LINE

PASSWORD = "correct horse battery staple"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class CountingPasswords(Passwords):
    """The real hasher at the cheapest parameters, counting every Argon2 verification run."""

    def __init__(self) -> None:
        super().__init__(profiles.CHEAPEST)
        self.verifications = 0

    def verify(self, stored: str, password: str) -> bool:
        self.verifications += 1
        return super().verify(stored, password)


class Clock:
    """The faces' clock, held still and moved by the test."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    held = Clock(START)
    monkeypatch.setattr(faces_clock, "now", lambda: held.now)
    return held


def console_app(environ: dict[str, str], **settings: str) -> Flask:
    app = create_app(Settings.from_env(environ | settings))
    app.config["TESTING"] = True
    app.extensions[PASSWORDS] = CountingPasswords()
    return app


@pytest.fixture
def make_app(environ: dict[str, str]) -> Iterator[Callable[..., Flask]]:
    """An app on the test database with console settings added (CONSOLE_REQUIRE_2FA="1")."""
    made: list[Flask] = []

    def make(**settings: str) -> Flask:
        made.append(console_app(environ, **settings))
        return made[-1]

    yield make
    for app in made:
        app.extensions["consent.engine"].dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask], clock: Clock) -> Flask:
    """The default console app; the clock is held (START) from the first request on."""
    return make_app()


@dataclass(frozen=True)
class Person:
    account: StaffAccount
    email: str
    password: str


@pytest.fixture
def person(app: Flask, clock: Clock) -> Callable[..., Person]:
    """Someone with `roles` who has chosen their password (or, `forced`, still has the one-time
    password an administrator gave them)."""
    count = iter(range(1_000_000))

    def make(*roles: str, forced: bool = False, email: str | None = None) -> Person:
        email = email or f"staff{next(count)}-{uuid.uuid4().hex[:6]}@shop.example"
        hasher = app.extensions[PASSWORDS]
        with app.extensions["consent.sessions"]() as session, session.begin():
            store = SqlStaffStore(SqlRepository(session))
            account, one_time = staff_accounts.create_account(
                store, hasher, COMMAND_LINE, email, list(roles or ("admin",)), clock.now
            )
            if not forced:
                account = replace(
                    account, password_hash=hasher.hash(PASSWORD), must_change_password=False
                )
                store.save_account(account)
        return Person(account, email, one_time if forced else PASSWORD)

    return make


class _Form(HTMLParser):
    """The hidden fields of a page's forms, and each form's action."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.actions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and found.get("action"):
            self.actions.append(found["action"] or "")
        if tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.hidden[found["name"] or ""] = found.get("value") or ""


def forms_of(html: str) -> _Form:
    parser = _Form()
    parser.feed(html)
    return parser


class Browser:
    """A test client used as a person's browser: it keeps cookies, reads the CSRF field from
    the sign-in page, and sends it with every form. It asks for English pages, so that the
    tests read the message ids; tests/i18n checks every language has them."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        client.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
        self._csrf: str | None = None

    @property
    def csrf(self) -> str:
        if self._csrf is None:
            page = self.client.get("/console/login").get_data(as_text=True)
            self._csrf = forms_of(page).hidden["csrf_token"]
        return self._csrf

    def get(self, path: str, **kwargs: object) -> TestResponse:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs: object) -> TestResponse:
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD) -> TestResponse:
        return self.post("/console/login", {"email": email, "password": password})

    def session_id(self) -> str | None:
        cookie = self.client.get_cookie(COOKIE, path="/console")
        return cookie.value if cookie else None


@pytest.fixture
def browser(app: Flask) -> Callable[[], Browser]:
    """A new browser (no cookies) on the default app; call it for each person."""
    return lambda: Browser(app.test_client())


def signed_in(browser: Browser, who: Person) -> Browser:
    answer = browser.sign_in(who.email, who.password)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return browser


def location(response: TestResponse) -> str:
    return response.headers.get("Location", "")


def text(response: TestResponse) -> str:
    """The page's visible words, tags and the CSRF token taken out."""
    page = response.get_data(as_text=True)
    page = re.sub(r'name="csrf_token" value="[^"]*"', "", page)
    return re.sub(r"\s+", " ", page)
