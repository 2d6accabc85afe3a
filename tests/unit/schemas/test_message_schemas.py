"""Outbox messages are valid against the versioned schema the mailer will load them with."""

import uuid
from datetime import UTC, datetime

import pytest
from marshmallow import ValidationError

from consent_service.adapters.repository import SubjectRow
from consent_service.domain.consent import Change, ConsentStatus
from consent_service.services import changes
from consent_service.services.changes import ChangeContext, consent_changed_message
from schemas.messages import SCHEMAS

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SUBJECT = SubjectRow(uuid.uuid4(), "Aigul@example.kg", "ky", None, None, 0, None, NOW, NOW)


def message() -> dict:
    change = Change("newsletters", None, ConsentStatus.PENDING, 1)
    context = ChangeContext("registration", "key1", "2026-11-01", NOW)
    return consent_changed_message(SUBJECT, change, context)[1]


def test_consent_changed_message_loads_with_its_schema() -> None:
    body = message()
    loaded = SCHEMAS[body["schema"]]().load(body)
    assert loaded["version"] == 1
    assert loaded["status"] == "pending"
    assert loaded["previous_status"] is None


@pytest.mark.parametrize(
    "broken",
    [
        {"version": 0},
        {"version": "1"},
        {"purpose": "transactions"},
        {"extra": 1},
        {"status": "maybe"},
    ],
)
def test_a_malformed_message_is_refused_whole(broken: dict) -> None:
    with pytest.raises(ValidationError):
        SCHEMAS["consent.changed/1"]().load(message() | broken)


def test_a_change_whose_message_would_not_validate_is_never_written(
    client, writer, table_counts, monkeypatch
) -> None:
    """Validated when written to the outbox, i.e. before it can ever be published."""
    broken = ("consent.surveys.maybe", message() | {"status": "maybe"})
    monkeypatch.setattr(changes, "consent_changed_message", lambda *_: broken)
    before = table_counts()
    body = {"subject": {"email": "v@example.kg"}, "purposes": {"surveys": True}, "source": "survey"}
    response = client.post("/v1/consents", json=body, headers=writer)
    assert response.status_code == 500
    assert table_counts() == before
