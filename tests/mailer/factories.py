"""Message bodies as the registry publishes them, so each test says only what matters to it."""

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

_counter = itertools.count(1)


def unique_email() -> str:
    return f"reader{next(_counter)}@example.kg"


def _envelope(schema: str, subject_id: uuid.UUID, version: int) -> dict[str, Any]:
    return {
        "schema": schema,
        "message_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "subject_id": str(subject_id),
        "version": version,
    }


def consent_changed(
    subject_id: uuid.UUID,
    version: int,
    purpose: str = "newsletters",
    status: str = "granted",
    email: str = "aigul@example.kg",
    locale: str = "ky",
    name: str | None = None,
) -> dict[str, Any]:
    return _envelope("consent.changed/1", subject_id, version) | {
        "email": email,
        "locale": locale,
        "name": name,
        "purpose": purpose,
        "status": status,
        "previous_status": None,
        "source": "registration",
        "policy_version": "2026-11-01",
    }


def subject_updated(
    subject_id: uuid.UUID,
    version: int,
    email: str = "aigul@example.kg",
    locale: str = "ru",
    name: str | None = "Aigul",
) -> dict[str, Any]:
    return _envelope("subject.updated/1", subject_id, version) | {
        "email": email,
        "locale": locale,
        "name": name,
        "changed": ["email", "locale", "name"],
    }


def subject_erased(subject_id: uuid.UUID, version: int) -> dict[str, Any]:
    return _envelope("subject.erased/1", subject_id, version)


def run_requested() -> dict[str, Any]:
    """A valid message of a schema this release does not handle yet."""
    return {
        "schema": "campaign.run_requested/1",
        "message_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "campaign_id": str(uuid.uuid4()),
        "run_id": str(uuid.uuid4()),
        "purpose": "newsletters",
        "content": {"ky": {"subject": "Salam", "html": "<p>Salam</p>", "text": "Salam"}},
    }


def confirmation_requested(subject_id: uuid.UUID, version: int) -> dict[str, Any]:
    """A valid message of a schema this release does not handle yet."""
    return _envelope("optin.confirmation_requested/1", subject_id, version) | {
        "email": "aigul@example.kg",
        "locale": "ky",
        "purposes": ["newsletters"],
        "confirm_url": "http://127.0.0.1:8000/confirm/token",
    }
