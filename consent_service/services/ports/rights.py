"""What people asked about their data (`rights_requests`), when it is due and how it ended."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True)
class RightsRequestRow:
    id: uuid.UUID
    subject_id: uuid.UUID | None
    """None for a request from someone the registry does not know (then `contact_address`)."""
    kind: str
    source: str
    """The channel it came by (domain/rights_requests.py's Channel), or an older row's source."""
    status: str
    requested_at: datetime
    completed_at: datetime | None
    due_on: date | None = None
    """None only before it is stored: the store then counts the default days."""
    outcome: str | None = None
    reason: str | None = None
    contact_address: str | None = None
    """Where to answer someone unknown; kept only while the request is open."""


class RightsRequests(Protocol):
    def requests_of(self, subject_id: uuid.UUID) -> list[RightsRequestRow]:
        """Every request of the subject, oldest first."""
        ...

    def add_request(self, row: RightsRequestRow) -> None: ...

    def complete_requests(self, subject_id: uuid.UUID, kind: str, now: datetime) -> int:
        """Mark the subject's open requests of this kind fulfilled; how many there were."""
        ...

    def forget_contact(self, subject_id: uuid.UUID, addresses: set[str]) -> int:
        """Clear the contact address of the subject's requests and of any request that holds
        one of `addresses` (compared lower-cased); how many were cleared."""
        ...


class RequestDesk(RightsRequests, Protocol):
    """The console's reads and writes of every request (services/rights_requests.py)."""

    def list_requests(self, *, closed: bool, limit: int) -> list[RightsRequestRow]:
        """Open ones by due day (soonest first), or closed ones, last closed first."""
        ...

    def request_by_id(
        self, request_id: uuid.UUID, *, for_update: bool = False
    ) -> RightsRequestRow | None: ...

    def close_request(
        self, request_id: uuid.UUID, outcome: str, reason: str | None, now: datetime
    ) -> None:
        """Record the outcome; the contact address goes with the request's being open."""
        ...
