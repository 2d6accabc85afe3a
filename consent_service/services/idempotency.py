"""Idempotency-Key: a retried request gets the first answer, and nothing is written twice."""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from consent_service.domain.errors import DomainError
from consent_service.services.ports import Repository
from consent_service.services.ports.idempotency import StoredAnswer

MAX_KEY_LENGTH = 255


class KeyReused(DomainError):
    """The key was used before for a different request body."""

    field = "Idempotency-Key"


def replay_or_run(
    registry: Repository,
    *,
    api_key_id: str,
    key: str,
    request_hash: str,
    run: Callable[[], tuple[int, dict[str, Any], uuid.UUID | None]],
    now: datetime,
) -> tuple[int, dict[str, Any], bool]:
    """Returns (status, body, replayed). Runs in the caller's transaction with the work."""
    stored = registry.idempotent_request(api_key_id, key)
    if stored is not None:
        if stored.request_hash != request_hash:
            raise KeyReused(
                "This Idempotency-Key was used with a different body; use a new key for a new "
                "request."
            )
        return stored.status_code, stored.response, True
    status, body, subject_id = run()
    registry.remember_request(
        api_key_id, key, StoredAnswer(request_hash, status, body), subject_id, now
    )
    return status, body, False
