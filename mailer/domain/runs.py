"""Campaign runs in plain Python: the send ledger's states, who a batch may email, the counts.

A run's recipients are rows of the send ledger, one per (run, recipient). A row moves
forward only, and only one way leads to the email backend:

    planned ─┬─> claimed ─┬─> sent | failed | unknown
             ├─> skipped_withdrawn        (not `granted`, or the address suppressed, at
             │                              the send-time check)
             ├─> skipped_capped           (over the frequency cap at the send-time check)
             └─> cancelled                (the run was cancelled or failed first)

`claimed` is committed before the backend is called, so a row can be handed over at most
once; a `claimed` row found by anyone but the worker that claimed it becomes `unknown`,
never `planned` again (docs/decisions/0008-campaign-runs.md).
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Final, Literal

from mailer.domain.outgoing import OutcomeKind

PLANNED: Final = "planned"
CLAIMED: Final = "claimed"
SENT: Final = "sent"
FAILED: Final = "failed"
UNKNOWN: Final = "unknown"
SKIPPED_WITHDRAWN: Final = "skipped_withdrawn"
SKIPPED_CAPPED: Final = "skipped_capped"
CANCELLED: Final = "cancelled"

CLAIM: Final = "claim"
"""The send-time check's third decision: not a state, the row is then claimed (`CLAIMED`)."""

CAP_COUNTED = (CLAIMED, SENT, UNKNOWN)
"""Deliveries that may have reached the person, so they count towards the frequency cap."""

RUN_UNFINISHED = ("planned", "running")
RUN_DRAINED = ("cancelled", "failed")
"""Runs whose remaining batches are closed without sending."""

Decision = Literal["claim", "skipped_withdrawn", "skipped_capped"]


def decide(
    status: str | None, recent: int, cap: int | None, *, suppressed: bool = False
) -> Decision:
    """What the send-time check does with one planned recipient.

    `status` is the recipient's current status for the run's purpose in the view (None when
    the view no longer holds the person or their address); `recent` is how many campaign
    emails they were handed within the cap's rolling period; `cap` is how many that period
    allows (None: no cap). A `suppressed` address (hard bounce, invalid) is skipped like a
    withdrawal: the run's counts have no other place for it (SPEC section 4), and the send
    ledger's reason says `suppressed`.
    """
    if status != "granted" or suppressed:
        return SKIPPED_WITHDRAWN
    if cap is not None and recent >= cap:
        return SKIPPED_CAPPED
    return CLAIM


def ledger_state(kind: OutcomeKind) -> str:
    """The ledger state an email backend's outcome puts a claimed row in."""
    return {"sent": SENT, "failed": FAILED, "unknown": UNKNOWN}[kind]


@dataclass(frozen=True)
class RunCounts:
    """The counts of a run as reports and the registry show them (SPEC section 4)."""

    recipients: int = 0
    sent: int = 0
    skipped_withdrawn: int = 0
    skipped_capped: int = 0
    failed: int = 0
    unknown: int = 0

    @classmethod
    def of_states(cls, states: Mapping[str, int]) -> "RunCounts":
        """What a finished batch adds to its run, from the count of its rows per state.

        `recipients` is counted when the run is planned, and `cancelled` rows are in no count.
        """
        return cls(**{f.name: states.get(f.name, 0) for f in fields(cls) if f.name != "recipients"})

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
