"""The consent report an auditor is handed: which rows, which columns, and safe cells.

Two kinds (decision 0038): `current` is every consent as it stands (one row per subject and
purpose), `ledger` every ledger entry of a period, in the order they were written. The columns
are the evidence an auditor asks for (who, by pseudonymous id; what; when; how; under which
policy; by whom; the chain hash) and no contact data: the report is a copy that leaves the
registry, so it carries nothing an erasure would have to chase.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReportKind(StrEnum):
    CURRENT = "current"
    LEDGER = "ledger"


COLUMNS: dict[ReportKind, tuple[str, ...]] = {
    ReportKind.CURRENT: (
        "subject_id",
        "purpose",
        "status",
        "updated_at",
        "source",
        "policy_version",
        "actor",
        "version",
        "entry_hash",
    ),
    ReportKind.LEDGER: (
        "entry_id",
        "subject_id",
        "seq",
        "kind",
        "purpose",
        "previous_status",
        "status",
        "recorded_at",
        "source",
        "policy_version",
        "actor",
        "prev_hash",
        "hash",
    ),
}
"""Each kind's columns, in order: the CSV header and the JSON Lines keys."""


@dataclass(frozen=True)
class ReportFilters:
    """What the report holds; None means any. `since` is inclusive, `until` exclusive, and
    both apply to when the row's status was set (`updated_at`, `recorded_at`)."""

    kind: ReportKind = ReportKind.CURRENT
    purpose: str | None = None
    status: str | None = None
    source: str | None = None
    policy_version: str | None = None
    since: datetime | None = None
    until: datetime | None = None


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection")."""


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading formula character gets a `'` before it.

    Our own values (statuses, purposes, hashes) never start so; an actor, a source or a policy
    version written by an integration might, and an auditor opens the file in a spreadsheet.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text
