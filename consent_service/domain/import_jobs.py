"""An import started from the console: its state, its counts and its rejected rows' reasons.

The job keeps no row of the file. A rejected row is kept as its line number and the codes of
its reasons (`invalid_email`, `superseded`: docs/import.md), never the explanation, which may
repeat what the row holds (an address, an IP address); whoever started the import has the file
and finds the row by its line.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from consent_service.domain.import_rows import Reasons

STALE_AFTER = timedelta(minutes=10)
"""A running job whose counts have not moved for this long lost its process (decision 0046)."""

CODES = frozenset(
    {
        "malformed_row",
        "invalid_email",
        "unknown_purpose",
        "not_consent_purpose",
        "invalid_status",
        "missing_evidence",
        "invalid_consented_at",
        "future_consented_at",
        "unknown_policy_version",
        "policy_not_in_effect",
        "invalid_locale",
        "invalid_ip",
        "too_long",
        "card_number",
        "suppressed",
        "superseded",
    }
)
"""The reasons a row is rejected for (docs/import.md); only these are kept."""


class JobState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    """Shown, never stored: running in the table, but its process stopped (STALE_AFTER)."""


@dataclass(frozen=True)
class ImportJob:
    id: uuid.UUID
    started_by: uuid.UUID | None
    file_name: str
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    rows_total: int
    rows_read: int
    imported: int
    unchanged: int
    rejected: int
    subjects_created: int
    state: JobState

    def shown_state(self, now: datetime) -> JobState:
        """The state to show: a running job that stopped moving long ago was interrupted."""
        if self.state is JobState.RUNNING and now - self.updated_at > STALE_AFTER:
            return JobState.INTERRUPTED
        return self.state

    @property
    def percent(self) -> int:
        if self.state is JobState.DONE or not self.rows_total:
            return 100 if self.state is JobState.DONE else 0
        return min(100, self.rows_read * 100 // self.rows_total)


def reason_codes(reason: str) -> str:
    """`invalid_email; missing_evidence` of the reasons a row was rejected for, the
    explanations left out (they may quote the row)."""
    codes = reason.codes if isinstance(reason, Reasons) else ()
    known = [code for code in codes if code in CODES]
    return "; ".join(dict.fromkeys(known)) or "rejected"
