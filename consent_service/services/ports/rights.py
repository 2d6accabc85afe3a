"""What people asked about their data (`rights_requests`), and when it was done."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class RightsRequestRow:
    id: uuid.UUID
    subject_id: uuid.UUID
    kind: str
    source: str
    status: str
    requested_at: datetime
    completed_at: datetime | None


class RightsRequests(Protocol):
    def requests_of(self, subject_id: uuid.UUID) -> list[RightsRequestRow]:
        """Every request of the subject, oldest first."""
        ...

    def add_request(self, row: RightsRequestRow) -> None: ...

    def complete_requests(self, subject_id: uuid.UUID, kind: str, now: datetime) -> int:
        """Mark the subject's open requests of this kind completed; how many there were."""
        ...
