"""Direct transfers (GDPR Art. 20(2)): the recipients, the queue of transfers, and the HTTP
client that delivers them (services/transfers.py)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class RecipientRow:
    name: str
    url: str
    secret: str
    created_at: datetime


@dataclass(frozen=True)
class TransferRow:
    id: uuid.UUID
    subject_id: uuid.UUID
    recipient: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    requested_by: str
    created_at: datetime
    finished_at: datetime | None


class Transfers(Protocol):
    def add_recipient(self, row: RecipientRow) -> None: ...

    def recipient(self, name: str) -> RecipientRow | None: ...

    def recipients(self) -> list[RecipientRow]: ...

    def add_transfer(self, row: TransferRow) -> None: ...

    def transfer(self, transfer_id: uuid.UUID) -> TransferRow | None: ...

    def claim_due(self, now: datetime, lease_until: datetime) -> TransferRow | None:
        """Take the oldest due pending transfer for one attempt, leased until `lease_until`:
        a relay that dies mid-attempt leaves it to be taken again then."""
        ...

    def retry_later(self, claim: TransferRow, next_attempt_at: datetime, error: str) -> bool:
        """Schedule the next attempt; False if this attempt no longer holds the transfer."""
        ...

    def finish(self, claim: TransferRow, status: str, now: datetime, error: str | None) -> bool:
        """Record the final outcome; False if this attempt no longer holds the transfer."""
        ...


@dataclass(frozen=True)
class PostResult:
    status: int | None
    """The HTTP status, or None when no answer came (timeout, refused, TLS failure)."""
    detail: str


class Resolver(Protocol):
    def resolve(self, host: str, port: int) -> list[str]:
        """Every address the host name resolves to now; OSError if it resolves to none."""
        ...


class Poster(Resolver, Protocol):
    def post(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        connect_to: Sequence[str] | None = None,
    ) -> PostResult: ...
