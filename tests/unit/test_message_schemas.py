"""Outbox messages are valid against the versioned schema the mailer will load them with."""

import uuid
from datetime import UTC, datetime

import pytest
from marshmallow import ValidationError

from consent_service.adapters.repository import SubjectRow
from consent_service.domain.consent import Change, ConsentStatus
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
