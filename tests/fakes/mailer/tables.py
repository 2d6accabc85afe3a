"""The mailer's tables as Python values: one frozen row per key, replaced on every change.

Rows are immutable, so a transaction's copy of the tables is a copy of the dicts only.
"""

import uuid
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from mailer.domain.recipients import SubjectView
from mailer.domain.runs import RunCounts, RunRecord


@dataclass(frozen=True)
class RunRow:
    record: RunRecord
    """As requested; its `status` is the status when requested."""
    status: str
    created_at: datetime
    counts: RunCounts = field(default_factory=RunCounts)
    batches_total: int = 0
    batches_open: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    reason: str | None = None
    report_sequence: int = 0
    reported_sequence: int = 0
    reported_at: datetime | None = None

    def current(self) -> RunRecord:
        """The run as a worker reads it now."""
        return replace(self.record, status=self.status)


@dataclass(frozen=True)
class BatchRow:
    state: str
    attempts: int = 0
    lease_until: datetime | None = None
    checked_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryRow:
    batch_no: int
    state: str
    claimed_at: datetime | None = None
    finished_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ConfirmationRow:
    subject_id: uuid.UUID
    kind: str
    address: str | None
    locale: str
    confirm_url: str
    purposes: tuple[str, ...]
    state: str
    created_at: datetime
    claimed_at: datetime | None = None
    finished_at: datetime | None = None
    reason: str | None = None
    content: dict[str, Any] | None = None


@dataclass
class Tables:
    views: dict[uuid.UUID, SubjectView] = field(default_factory=dict)
    """Recipients and tombstones, by subject."""
    processed: dict[uuid.UUID, datetime] = field(default_factory=dict)
    runs: dict[uuid.UUID, RunRow] = field(default_factory=dict)
    campaigns: dict[uuid.UUID, tuple[str, int]] = field(default_factory=dict)
    """Campaign -> (state, version)."""
    batches: dict[tuple[uuid.UUID, int], BatchRow] = field(default_factory=dict)
    deliveries: dict[tuple[uuid.UUID, uuid.UUID], DeliveryRow] = field(default_factory=dict)
    """(run, subject) -> the send ledger's row."""
    confirmations: dict[uuid.UUID, ConfirmationRow] = field(default_factory=dict)

    def copy(self) -> "Tables":
        return Tables(**{f.name: dict(getattr(self, f.name)) for f in fields(self)})
