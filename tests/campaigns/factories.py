"""Small builders and lookups, so each campaign test says only what matters to it."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from consent_service.adapters import orm

CONTENT = {
    "ky": {
        "subject": "Жаңылыктар",
        "html": "<p>Салам, {{ name }}!</p><a href='{{ unsubscribe_url }}'>Чыгуу</a>",
        "text": "Салам! {{ unsubscribe_url }}",
    },
    "en": {
        "subject": "News",
        "html": "<p>Hello!</p><a href='{{ unsubscribe_url }}'>Unsubscribe</a>",
        "text": "Hello! {{ unsubscribe_url }}",
    },
}
WEEKLY_BISHKEK = {"rrule": "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "timezone": "Asia/Bishkek"}


def campaign_body(**overrides: Any) -> dict[str, Any]:
    """A valid `POST /v1/campaigns` body; keyword arguments replace its fields."""
    body: dict[str, Any] = {
        "name": "Weekly news",
        "purpose": "newsletters",
        "content": CONTENT,
        "schedule": WEEKLY_BISHKEK,
    }
    return body | overrides


def runs_of(store: Callable[[], Any], campaign_id: uuid.UUID) -> list[Any]:
    with store() as campaigns:
        return campaigns.runs_of([campaign_id])[campaign_id]


def campaign_row(store: Callable[[], Any], campaign_id: uuid.UUID) -> Any:
    with store() as campaigns:
        return campaigns.campaign(campaign_id)


def outbox(app: Flask, routing_key: str | None = None) -> list[dict[str, Any]]:
    """Payloads in the outbox, oldest first, optionally of one routing key."""
    table = orm.OutboxMessage
    query = select(table.routing_key, table.payload).order_by(table.id)
    with app.extensions["consent.engine"].connect() as conn:
        rows = conn.execute(query).all()
    return [payload for key, payload in rows if routing_key in (None, key)]


COUNT_FIELDS = ("recipients", "sent", "skipped_withdrawn", "skipped_capped", "failed", "unknown")


def run_report(
    campaign_id: object, run_id: object, sequence: int, status: str, **counts: int
) -> dict[str, Any]:
    """A `mailer.run_report/1` body as the mailer publishes it (JSON-ready)."""
    now = datetime.now(UTC).isoformat()
    return {
        "schema": "mailer.run_report/1",
        "message_id": str(uuid.uuid4()),
        "occurred_at": now,
        "campaign_id": str(campaign_id),
        "run_id": str(run_id),
        "sequence": sequence,
        "status": status,
        "started_at": now,
        "finished_at": now if status in ("completed", "cancelled", "failed") else None,
        "counts": dict.fromkeys(COUNT_FIELDS, 0) | counts,
        "reason": None,
    }


def run_report_v2(
    campaign_id: object,
    run_id: object,
    sequence: int,
    status: str,
    by_locale: dict[str, dict[str, int]],
) -> dict[str, Any]:
    """A `mailer.run_report/2` body: counts per locale, and totals that are their sums."""
    filled = {
        locale: dict.fromkeys(COUNT_FIELDS, 0) | counts for locale, counts in by_locale.items()
    }
    totals = {name: sum(counts[name] for counts in filled.values()) for name in COUNT_FIELDS}
    body = run_report(campaign_id, run_id, sequence, status, **totals)
    return body | {"schema": "mailer.run_report/2", "by_locale": filled}


LAYOUT_VERSIONS = {
    "ky": {
        "shop_name": "Ала-Тоо дүкөнү",  # noqa: RUF001
        "logo_url": "https://ala-too.example.kg/logo.png",
        "legal_name": "Ала-Тоо Соода ЖЧК",  # noqa: RUF001
        "postal_address": "Бишкек ш., Чүй пр. 100",
        "why": "Сиз биздин жаңылыктарга жазылгансыз.",
    },
    "en": {
        "shop_name": "Ala-Too shop",
        "legal_name": "Ala-Too Trade LLC",
        "postal_address": "100 Chui Ave, Bishkek",
    },
}


def layout_body(**overrides: Any) -> dict[str, Any]:
    """A valid `POST /v1/layouts` body; keyword arguments replace its fields."""
    return {"name": "Winter sale", "versions": LAYOUT_VERSIONS} | overrides
