"""`POST /preferences/{token}`: what saving the page changes, proves and announces."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from itsdangerous import TimestampSigner
from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.services import audit
from consent_service.services.subject_changes import Rectification, rectify
from plumbing.tokens import LinkSigner
from tests.web.conftest import hidden_fields, submit_preferences

SECRET = "test-secret"


@pytest.fixture
def looks(client, writer, app: Flask) -> Callable[[str], dict[str, Any]]:
    """The subject as the API shows it, its history, and its outbox messages."""

    def read(subject_id: str) -> dict[str, Any]:
        subject = client.get(f"/v1/subjects/{subject_id}", headers=writer).get_json()
        history = client.get(f"/v1/subjects/{subject_id}/history", headers=writer).get_json()
        table = orm.OutboxMessage
        query = (
            select(table.payload)
            .where(table.subject_id == uuid.UUID(subject_id))
            .order_by(table.id)
        )
        with app.extensions["consent.sessions"]() as session:
            messages = list(session.scalars(query))
        return {
            "locale": subject["locale"],
            "statuses": {p: c["status"] for p, c in subject["consents"].items()},
            "history": history["entries"],
            "messages": messages,
        }

    return read


def test_saving_without_the_csrf_field_is_refused_and_changes_nothing(
    client, new_subject, preferences_url, table_counts
) -> None:
    url = preferences_url(new_subject({"personalization": True}))
    client.get(url)
    before = table_counts()
    response = client.post(url, data={"purpose": ["newsletters"], "locale": "ru"})
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert table_counts() == before


def test_each_switched_purpose_gets_one_ledger_entry_and_one_message(
    client, new_subject, preferences_url, looks
) -> None:
    subject_id = new_subject({"personalization": True, "surveys": False})
    url = preferences_url(subject_id)
    before = looks(subject_id)
    response = submit_preferences(client, url, ["promotions"], locale="ky")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{url}?saved=1")
    after = looks(subject_id)
    assert after["statuses"] == {
        "personalization": "withdrawn",
        "promotions": "granted",
        "surveys": "withdrawn",
    }
    new_entries = after["history"][len(before["history"]) :]
    assert [(e["purpose"], e["status"]) for e in new_entries] == [
        ("personalization", "withdrawn"),
        ("promotions", "granted"),
    ]
    assert {(e["source"], e["actor"]) for e in new_entries} == {("preference_center", "subject")}
    new_messages = after["messages"][len(before["messages"]) :]
    assert [(m["schema"], m["purpose"], m["source"]) for m in new_messages] == [
        ("consent.changed/1", "personalization", "preference_center"),
        ("consent.changed/1", "promotions", "preference_center"),
    ]


def test_the_page_after_saving_says_so(client, new_subject, preferences_url) -> None:
    url = preferences_url(new_subject({"personalization": True}))
    response = submit_preferences(client, url, [])
    page = client.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert '<p class="success" role="status">Your choices have been saved.</p>' in page
    assert 'role="status"' not in client.get(url).get_data(as_text=True)


def test_saving_the_page_unchanged_writes_nothing(
    client, new_subject, preferences_url, table_counts
) -> None:
    url = preferences_url(new_subject({"personalization": True, "newsletters": True}))
    before = table_counts()
    assert submit_preferences(client, url, ["newsletters", "personalization"]).status_code == 303
    assert table_counts() == before


def test_an_email_purpose_ticked_here_is_granted_at_once_without_a_confirmation_email(
    client, new_subject, preferences_url, looks
) -> None:
    subject_id = new_subject({"newsletters": False})
    submit_preferences(client, preferences_url(subject_id), ["newsletters"])
    after = looks(subject_id)
    assert after["statuses"]["newsletters"] == "granted"
    schemas = [m["schema"] for m in after["messages"]]
    assert "optin.confirmation_requested/1" not in schemas


def test_a_pending_purpose_left_ticked_stays_pending_and_unticked_is_withdrawn(
    client, new_subject, preferences_url, looks
) -> None:
    subject_id = new_subject({"newsletters": True, "surveys": True})
    submit_preferences(client, preferences_url(subject_id), ["newsletters"])
    assert looks(subject_id)["statuses"] == {"newsletters": "pending", "surveys": "withdrawn"}


def test_a_page_left_open_does_not_undo_a_later_unsubscribe(
    client, writer, new_subject, preferences_url, looks
) -> None:
    subject_id = new_subject({"personalization": True})
    url = preferences_url(subject_id)
    form = hidden_fields(client.get(url).get_data(as_text=True))
    client.put(
        f"/v1/subjects/{subject_id}/consents/personalization",
        json={"status": "withdrawn", "source": "unsubscribe_link"},
        headers=writer,
    )
    response = client.post(url, data=form | {"purpose": ["personalization", "surveys"]})
    assert response.status_code == 303
    assert looks(subject_id)["statuses"] == {"personalization": "withdrawn", "surveys": "granted"}


def test_a_new_language_is_stored_proved_and_announced(
    client, new_subject, preferences_url, looks, app
) -> None:
    subject_id = new_subject({"personalization": True}, locale="ky")
    before = looks(subject_id)
    submit_preferences(client, preferences_url(subject_id), ["personalization"], locale="ru")
    after = looks(subject_id)
    assert after["locale"] == "ru"
    [entry] = after["history"][len(before["history"]) :]
    assert entry["kind"] == "subject"
    assert (entry["purpose"], entry["status"], entry["source"]) == (
        None,
        None,
        "preference_center",
    )
    [message] = after["messages"][len(before["messages"]) :]
    assert message["schema"] == "subject.updated/1"
    assert (message["locale"], message["changed"], message["version"]) == ("ru", ["locale"], 2)
    with app.extensions["consent.sessions"]() as session:
        evidence = session.scalars(
            select(orm.LedgerEntry.evidence).where(orm.LedgerEntry.kind == "subject")
        ).one()
        assert evidence["changed"] == "locale"
        assert audit.verify(SqlRepository(session), [SECRET]).ok


def test_language_and_consents_changed_together_carry_the_new_language(
    client, new_subject, preferences_url, looks
) -> None:
    subject_id = new_subject({"personalization": True}, locale="ky")
    submit_preferences(client, preferences_url(subject_id), [], locale="en")
    messages = looks(subject_id)["messages"]
    assert [m["schema"] for m in messages[-2:]] == ["subject.updated/1", "consent.changed/1"]
    assert messages[-1]["locale"] == "en"
    assert [m["version"] for m in messages[-2:]] == [2, 3]


@pytest.mark.parametrize(
    "form",
    [
        {"purpose": ["newsletters", "cookies"], "locale": "ky"},
        {"purpose": ["transactions"], "locale": "ky"},
        {"purpose": ["newsletters"], "locale": "de"},
    ],
    ids=["unknown-purpose", "not-consent-based", "unsupported-locale"],
)
def test_a_form_it_cannot_take_is_a_400_page_and_changes_nothing(
    client, new_subject, preferences_url, table_counts, form
) -> None:
    url = preferences_url(new_subject({"personalization": True}))
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    before = table_counts()
    response = client.post(url, data=fields | form)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert table_counts() == before


def test_after_a_change_of_address_an_older_link_no_longer_proves_the_mailbox(
    client, new_subject, app, looks, monkeypatch
) -> None:
    """The grant then needs double opt-in again: pending, with a confirmation email."""
    subject_id = new_subject({"newsletters": False})
    minted = int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda _self: minted)
        token = LinkSigner(SECRET).preferences_token(uuid.UUID(subject_id))
    with app.extensions["consent.sessions"]() as session, session.begin():
        rectify(
            SqlRepository(session),
            uuid.UUID(subject_id),
            {"email": "new.address@example.kg"},
            Rectification("admin", "test", datetime.now(UTC)),
            suppression_keys=(SECRET,),
        )
    submit_preferences(client, f"/preferences/{token}", ["newsletters"])
    after = looks(subject_id)
    assert after["statuses"]["newsletters"] == "pending"
    assert after["messages"][-1]["schema"] == "optin.confirmation_requested/1"
    assert after["messages"][-1]["email"] == "new.address@example.kg"
