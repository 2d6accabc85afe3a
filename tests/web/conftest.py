"""Helpers for the public-page tests: read a page's form the way a browser would."""

import re
import uuid
from collections.abc import Callable
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from plumbing.tokens import LinkSigner
from tests.factories import consent_body, form_definition


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.hidden[found["name"] or ""] = found.get("value") or ""


def hidden_fields(html: str) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(html)
    return parser.hidden


def csrf_field(client: FlaskClient, page_url: str) -> dict[str, str]:
    """GET the page (which sets the CSRF cookie in the client) and return its hidden token."""
    response = client.get(page_url)
    token = hidden_fields(response.get_data(as_text=True)).get("csrf_token")
    assert token, f"no csrf_token field on {page_url}"
    return {"csrf_token": token}


def html_lang(html: str) -> str | None:
    found = re.search(r'<html lang="([a-z]+)"', html)
    return found.group(1) if found else None


# preference centre (tests/web/test_preferences*.py)


@pytest.fixture
def preferences_url() -> Callable[[str], str]:
    """The preference-centre link the mailer would put in an email to this subject."""

    def url(subject_id: str) -> str:
        token = LinkSigner("test-secret").preferences_token(uuid.UUID(subject_id))
        return f"/preferences/{token}"

    return url


@pytest.fixture
def new_subject(client: FlaskClient, writer: dict[str, str]) -> Callable[..., str]:
    """Record a registration form for a new address; returns the subject id."""

    def create(purposes: dict[str, bool], locale: str = "ky") -> str:
        body = consent_body(purposes=purposes)
        body["subject"]["locale"] = locale
        response = client.post("/v1/consents", json=body, headers=writer)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["subject_id"]

    return create


def submit_preferences(
    client: FlaskClient, url: str, purposes: list[str], locale: str | None = None
) -> TestResponse:
    """Fill the page's form as a browser would: its hidden fields, the boxes, the language."""
    page = client.get(url).get_data(as_text=True)
    form: dict[str, Any] = hidden_fields(page) | {"purpose": purposes}
    if locale is not None:
        form["locale"] = locale
    return client.post(url, data=form)


@pytest.fixture
def mailer_sent_nothing(app) -> None:
    """The download asks the mailer for its part over the broker; here, a mailer that sent
    the person nothing answers (the round trip: tests/integration/test_export_*.py)."""
    app.extensions["consent.mailer_part"] = SimpleNamespace(emails_of=lambda _subject_id: [])


# sign-up forms (tests/web/test_signup_forms*.py)

SHOP = "https://shop.example.kg"
"""The origin the test forms allow."""


@pytest.fixture
def admin(make_key: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key('admin', name='admin')}"}


@pytest.fixture
def make_form(client: FlaskClient, admin: dict[str, str]) -> Callable[..., str]:
    """Define a sign-up form through the admin API; returns its hosted page's path."""

    def create(form_id: str = "newsletter", **changes: Any) -> str:
        response = client.post("/v1/forms", json=form_definition(form_id, **changes), headers=admin)
        assert response.status_code == 201, response.get_json()
        return f"/f/{form_id}"

    return create


def sign_up_on_page(
    client: FlaskClient, path: str, email: str, purposes: list[str], **fields: str
) -> TestResponse:
    """Fill the hosted page as a browser would: its hidden fields, the address, the boxes."""
    page = client.get(path).get_data(as_text=True)
    form = hidden_fields(page) | {"email": email} | dict.fromkeys(purposes, "yes") | fields
    return client.post(path, data=form)
