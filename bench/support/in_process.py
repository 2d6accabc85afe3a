"""The registry's app in this process, for probes a live server cannot give: exact SQL
round trips and a deterministic profile of one worker."""

from __future__ import annotations

import collections
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from support.load import FIRST_BODY, REPEAT_BODY


@contextlib.contextmanager
def in_process_app(env: dict[str, str]) -> Iterator[Any]:
    """The Flask app on the benchmark's database; its engine disposed at the end."""
    from consent_service.app import create_app
    from consent_service.config import Settings

    app = create_app(Settings.from_env(env))
    logging.getLogger().setLevel(logging.WARNING)
    try:
        yield app
    finally:
        app.extensions["consent.engine"].dispose()


def probe_bodies(prefix: str, count: int) -> dict[str, list[str]]:
    """First-time bodies for `count` new addresses, then one change of mind for each."""
    emails = [f"{prefix}-{i}@example.kg" for i in range(count)]
    return {
        "first": [FIRST_BODY % email for email in emails],
        "repeat": [REPEAT_BODY % (email, "true", "false") for email in emails],
    }


def post_all(client: Any, key: str, bodies: list[str]) -> collections.Counter[int]:
    """POST each body to /v1/consents through the test client; the count of each status."""
    codes: collections.Counter[int] = collections.Counter()
    for body in bodies:
        answer = client.post(
            "/v1/consents",
            data=body,
            headers={"Authorization": f"Bearer {key}"},
            content_type="application/json",
        )
        codes[answer.status_code] += 1
    return codes
