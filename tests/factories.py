"""Small builders of request bodies, so each test says only what matters to it."""

import itertools
from typing import Any

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
