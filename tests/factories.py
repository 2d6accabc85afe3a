"""Small builders of request bodies, so each test says only what matters to it."""

import itertools
from datetime import timedelta
from typing import Any

from consent_service.domain.consent_records import Party, RecordContext

_counter = itertools.count(1)


def unique_email() -> str:
    return f"person{next(_counter)}@example.kg"


def consent_body(
    email: str | None = None,
    purposes: dict[str, bool] | None = None,
    source: str = "registration",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": {"email": email or unique_email(), "locale": "ky"},
        "purposes": purposes if purposes is not None else {"newsletters": True},
        "source": source,
    }
    body.update(extra)
    return body


def form_definition(form_id: str = "newsletter", **changes: Any) -> dict[str, Any]:
    """A `POST /v1/forms` body: a newsletter form that a shop's site may embed."""
    body: dict[str, Any] = {
        "form_id": form_id,
        "purposes": ["newsletters", "promotions", "personalization"],
        "source": "newsletter_form",
        "allowed_origins": ["https://shop.example.kg"],
        "success_url": None,
        "default_locale": "ru",
    }
    body.update(changes)
    return body


RECORD_CONTEXT = RecordContext(
    controller=Party(
        "https://shop.example.kg/#controller",
        "Shop LLC",
        "1 Chui Avenue, Bishkek",
        ("dpo@example.kg", "https://shop.example.kg"),
    ),
    authority=Party(
        "https://dpa.gov.kg/", "The authority", "https://dpa.gov.kg/", ("https://dpa.gov.kg/",)
    ),
    public_base_url="https://shop.example.kg",
    pending_expiry=timedelta(days=30),
    inactive_erasure=timedelta(days=730),
)
"""What consent records name the shop and the authority, for tests without settings."""


IMPORT_POLICY = "2026-11-01"
"""The policy version the import rows below are given under (the seeded first version)."""


def import_row(**overrides: str) -> dict[str, str]:
    """One valid row of an import file (docs/import.md); each test overrides what matters."""
    values = {
        "email": "aigul@example.kg",
        "purpose": "newsletters",
        "status": "granted",
        "consented_at": "2026-11-05T10:00:00+06:00",
        "source": "newsletter_form",
        "policy_version": IMPORT_POLICY,
        "locale": "ky",
        "name": "Aigul",
        "external_id": "u-17",
        "form_id": "footer",
        "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0",
    }
    return values | overrides
