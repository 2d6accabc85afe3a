"""What the links in emails leave behind: the single-use tokens used, and the emails with a
fresh link sent on a person's request (counted against a daily cap)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class TokenUse:
    """One use of a single-use token: what it was for, whose, and until when it matters."""

    digest: bytes
    intent: str
    subject_id: uuid.UUID
    used_at: datetime
    expires_at: datetime


class LinkTokens(Protocol):
    def was_used(self, digest: bytes) -> bool: ...

    def use(self, use: TokenUse) -> bool:
        """Record the use; False (and nothing written) if the token was used before. Two
        uses at the same moment must not both get True: the store decides, not a read."""
        ...


class LinkEmails(Protocol):
    def count_since(self, subject_id: uuid.UUID, kind: str, since: datetime) -> int: ...

    def add(self, subject_id: uuid.UUID, kind: str, now: datetime) -> None: ...

    def prune(self, before: datetime) -> int:
        """Forget every request older than `before`, whoever made it."""
        ...

    def delete_of(self, subject_id: uuid.UUID) -> int: ...
