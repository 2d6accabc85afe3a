"""The first answer to each Idempotency-Key, kept to answer its retries (decision 0004)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class StoredAnswer:
    request_hash: str
    status_code: int
    response: dict[str, Any]


class IdempotentRequests(Protocol):
    def idempotent_request(self, api_key_id: str, key: str) -> StoredAnswer | None: ...

    def remember_request(
        self,
        api_key_id: str,
        key: str,
        answer: StoredAnswer,
        subject_id: uuid.UUID | None,
        now: datetime,
    ) -> None:
        """`subject_id` names whom the answer is about: erasure deletes it with the rest."""
        ...
