"""Helpers for the link, confirmation and fence tests: sign-ups, tokens, looks behind the API."""

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from sqlalchemy import delete, select, update
from werkzeug.serving import make_server

from consent_service.adapters import orm
from schemas.tokens import LinkSigner
from tests.factories import consent_body

SECRET = "test-secret"
"""The CONSENT_SECRET_KEY of the app fixture (tests/conftest.py)."""


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
    """Headers of the mailer's key: `subjects:read` only."""
    return {"Authorization": f"Bearer {make_key('subjects:read', name='mailer')}"}


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The app on a real port, for clients that speak HTTP (the mailer's registry client)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
