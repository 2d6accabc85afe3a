"""Helpers for the link, confirmation and fence tests: sign-ups, tokens, looks behind the API.

`press` drives a page as a browser without JavaScript would: it GETs the page, finds the form
with the button, and POSTs that form's fields back with the cookie the GET set, sending no
Origin or Referer header.
"""

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from sqlalchemy import delete, select, update
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from consent_service.adapters import orm
from consent_service.faces import csrf
from plumbing.tokens import LinkSigner
from tests.factories import consent_body

SECRET = "test-secret"
"""The CONSENT_SECRET_KEY of the app fixture (tests/conftest.py)."""

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
"""The body of an RFC 8058 one-click unsubscribe POST."""


@dataclass
class Form:
    """A form on a page: where it posts, its hidden fields, the ids of its buttons."""

    action: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            assert found.get("method") == "post", "every form of the link pages posts"
            self.forms.append(Form(found.get("action")))
        elif tag == "input" and self.forms and found.get("name"):
            self.forms[-1].fields.append((found["name"] or "", found.get("value") or ""))
        elif tag == "button" and self.forms:
            self.forms[-1].buttons.append(found.get("id") or "")


def forms_of(page: str) -> list[Form]:
    reader = _FormReader()
    reader.feed(page)
    return reader.forms


def form_with(page: str, button_id: str) -> Form:
    [form] = [form for form in forms_of(page) if button_id in form.buttons]
    return form


@pytest.fixture
def submit(client: FlaskClient) -> Callable[..., TestResponse]:
    """Press the button `button_id` on `page`, a page already received from `url`."""

    def post(url: str, page: TestResponse, button_id: str, **request: Any) -> TestResponse:
        form = form_with(page.get_data(as_text=True), button_id)
        target = urljoin(url, form.action) if form.action else url
        return client.post(target, data=MultiDict(form.fields), **request)

    return post


@pytest.fixture
def press(client: FlaskClient, submit: Callable[..., TestResponse]) -> Callable[..., TestResponse]:
    """Open `url` and press the button `button_id` on it; returns the answer to the POST."""

    def click(url: str, button_id: str, **request: Any) -> TestResponse:
        page = client.get(url, **request)
        assert page.status_code in (200, 410), page.status_code
        return submit(url, page, button_id, **request)

    return click


@pytest.fixture
def mail_provider(app: Flask) -> FlaskClient:
    """A client that keeps no cookies, as a mail provider's one-click POST carries none."""
    return app.test_client(use_cookies=False)


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner(SECRET)


@pytest.fixture
def minted_ago(monkeypatch: pytest.MonkeyPatch) -> Callable[[timedelta, Callable[[], str]], str]:
    """A token minted as if `age` ago: itsdangerous stamps tokens with `get_timestamp`."""

    def mint(age: timedelta, make: Callable[[], str]) -> str:
        with monkeypatch.context() as patched:
            then = int(time.time() - age.total_seconds())
            patched.setattr(TimestampSigner, "get_timestamp", lambda _self: then)
            return make()

    return mint


@pytest.fixture
def sign_up(client: FlaskClient, writer: dict[str, str]) -> Callable[..., str]:
    """Record a form for a new address; returns the subject id."""

    def create(purposes: dict[str, bool] | None = None, locale: str = "ky") -> str:
        body = consent_body(purposes=purposes or {"newsletters": True})
        body["subject"]["locale"] = locale
        response = client.post("/v1/consents", json=body, headers=writer)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["subject_id"]

    return create


@pytest.fixture
def subject(client: FlaskClient, writer: dict[str, str]) -> Callable[[str], dict[str, Any]]:
    """The subject as GET /v1/subjects/{id} answers it."""

    def read(subject_id: str) -> dict[str, Any]:
        response = client.get(f"/v1/subjects/{subject_id}", headers=writer)
        assert response.status_code == 200
        return response.get_json()

    return read


@pytest.fixture
def statuses(subject: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, str]]:
    def read(subject_id: str) -> dict[str, str]:
        return {p: c["status"] for p, c in subject(subject_id)["consents"].items()}

    return read


@pytest.fixture
def history(client: FlaskClient, writer: dict[str, str]) -> Callable[[str], list[dict[str, Any]]]:
    def read(subject_id: str) -> list[dict[str, Any]]:
        response = client.get(f"/v1/subjects/{subject_id}/history", headers=writer)
        return response.get_json()["entries"]

    return read


@pytest.fixture
def outbox(app: Flask) -> Callable[[], list[tuple[str, dict[str, Any]]]]:
    """Every outbox message as (routing key, payload), oldest first."""

    def read() -> list[tuple[str, dict[str, Any]]]:
        table = orm.OutboxMessage
        query = select(table.routing_key, table.payload).order_by(table.id)
        with app.extensions["consent.sessions"]() as session:
            return [(key, payload) for key, payload in session.execute(query)]

    return read


@pytest.fixture
def erase(app: Flask) -> Callable[[str], None]:
    """Leave a tombstone the way erasure does: no contact data, no consents, a new version.

    Erasure itself comes with the rights issue; these tests only need its result.
    """

    def tombstone(subject_id: str) -> None:
        wanted = uuid.UUID(subject_id)
        subjects = orm.Subject
        with app.extensions["consent.sessions"]() as session, session.begin():
            session.execute(delete(orm.Consent).where(orm.Consent.subject_id == wanted))
            session.execute(
                update(subjects)
                .where(subjects.id == wanted)
                .values(
                    email=None,
                    email_key=None,
                    name=None,
                    external_id=None,
                    erased_at=datetime.now(UTC),
                    version=subjects.version + 1,
                )
            )

    return tombstone


@pytest.fixture
def reader(make_key: Callable[..., str]) -> dict[str, str]:
    """Headers of the mailer's key: `sync:read` only."""
    return {"Authorization": f"Bearer {make_key('sync:read', name='mailer')}"}


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The app on a real port, for clients that speak HTTP (the mailer's registry client)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def confirm_link(signer: LinkSigner) -> Callable[[str], str]:
    """The path of a fresh double opt-in link for a subject."""

    def path(subject_id: str) -> str:
        return f"/confirm/{signer.confirm_token(uuid.UUID(subject_id))}"

    return path


@pytest.fixture
def unsubscribe_link(signer: LinkSigner) -> Callable[..., str]:
    """The path of an unsubscribe link for a subject and a purpose (or `all`)."""

    def path(subject_id: str, purpose: str = "newsletters") -> str:
        return f"/u/{signer.unsubscribe_token(uuid.UUID(subject_id), purpose)}"

    return path


@pytest.fixture
def confirmed(
    sign_up: Callable[..., str],
    press: Callable[..., TestResponse],
    confirm_link: Callable[[str], str],
) -> Callable[..., str]:
    """A subject whose address was confirmed, so their email purposes are granted."""

    def create(purposes: dict[str, bool], locale: str = "ky") -> str:
        subject_id = sign_up(purposes, locale=locale)
        assert press(confirm_link(subject_id), "confirm").status_code == 200
        return subject_id

    return create


@pytest.fixture
def confirmation_requests(
    outbox: Callable[[], list[tuple[str, dict[str, Any]]]],
) -> Callable[[], list[dict[str, Any]]]:
    """The `optin.confirmation_requested` messages in the outbox, oldest first."""

    def read() -> list[dict[str, Any]]:
        return [body for key, body in outbox() if key == "optin.confirmation_requested"]

    return read


@pytest.fixture
def csrf_field(app: Flask, client: FlaskClient) -> dict[str, str]:
    """A valid CSRF field for `client`, whose cookie it sets: for requests meant to fail on
    something else, so that the CSRF check is not what refuses them."""
    cookie = secrets.token_urlsafe(32)
    client.set_cookie(csrf.COOKIE, cookie)
    with app.test_request_context(headers={"Cookie": f"{csrf.COOKIE}={cookie}"}):
        return {csrf.FIELD: csrf.token()}


@pytest.fixture
def unconfirm(app: Flask) -> Callable[[str], None]:
    """Make the address unproven again, as a change of address does (services.subject_changes)."""

    def reset(subject_id: str) -> None:
        with app.extensions["consent.sessions"]() as session, session.begin():
            session.execute(
                update(orm.Subject)
                .where(orm.Subject.id == uuid.UUID(subject_id))
                .values(email_confirmed_at=None)
            )

    return reset
