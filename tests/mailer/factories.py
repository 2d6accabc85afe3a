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


def _command(schema: str) -> dict[str, Any]:
    return {
        "schema": schema,
        "message_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
    }


CONTENT = {
    "ky": {
        "subject": "Жаңылыктар",
        "html": '<p>Салам, {{ name }}!</p><p><a href="{{ unsubscribe_url }}">Чыгуу</a></p>',
        "text": "Салам, {{ name }}! Чыгуу: {{ unsubscribe_url }}",
    },
    "ru": {"subject": "Новости", "html": "<p>Привет!</p>", "text": "Привет!"},
}


def run_requested(
    campaign_id: uuid.UUID | None = None,
    run_id: uuid.UUID | None = None,
    purpose: str = "newsletters",
    content: dict[str, Any] | None = None,
    default_locale: str = "ky",
    layout: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return _command("campaign.run_requested/1") | {
        "campaign_id": str(campaign_id or uuid.uuid4()),
        "run_id": str(run_id or uuid.uuid4()),
        "campaign_name": "Weekly news",
        "purpose": purpose,
        "default_locale": default_locale,
        "content": content or CONTENT,
        "layout": layout,
    }


def campaign_control(campaign_id: uuid.UUID, state: str, version: int) -> dict[str, Any]:
    return _command("campaign.control/1") | {
        "campaign_id": str(campaign_id),
        "state": state,
        "version": version,
    }


def confirmation_requested(
    subject_id: uuid.UUID, version: int, email: str = "aigul@example.kg"
) -> dict[str, Any]:
    return _envelope("optin.confirmation_requested/1", subject_id, version) | {
        "email": email,
        "locale": "ky",
        "purposes": ["newsletters"],
        "confirm_url": "http://127.0.0.1:8000/confirm/token",
    }


def preferences_link_requested(
    subject_id: uuid.UUID, version: int, email: str = "aigul@example.kg"
) -> dict[str, Any]:
    return _envelope("subject.preferences_link_requested/1", subject_id, version) | {
        "email": email,
        "locale": "en",
        "preferences_url": "http://127.0.0.1:8000/preferences/token",
    }


def run_report() -> dict[str, Any]:
    """A valid message the mailer does not act on (it is the mailer's own report)."""
    return _command("mailer.run_report/1") | {
        "campaign_id": str(uuid.uuid4()),
        "run_id": str(uuid.uuid4()),
        "sequence": 1,
        "status": "running",
        "started_at": None,
        "finished_at": None,
        "counts": dict.fromkeys(
            ("recipients", "sent", "skipped_withdrawn", "skipped_capped", "failed", "unknown"), 0
        ),
    }
