"""The send ledger in plain Python: one row per (run, recipient), and the only way to the backend.

A row moves forward only, along `MOVES`, and only one way leads to the email backend:

    planned ─┬─> claimed ─┬─> sent | failed | unknown
             ├─> skipped_withdrawn        (not `granted`, or the address suppressed, at
             │                              the send-time check)
             ├─> skipped_capped           (over the frequency cap at the send-time check)
             └─> cancelled                (the run was cancelled or failed first)

Every write names the state the row leaves, so a row takes each step once however many
workers try. `claimed` is committed before the backend is called, so a row is handed over at
most once; a `claimed` row found by anyone but the worker that claimed it (its batch taken
over, or closed without an outcome) becomes `unknown`, never `planned` again
(docs/decisions/0008-campaign-runs.md, 0025).
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from mailer.domain.outgoing import Outcome, OutcomeKind, Person

PLANNED: Final = "planned"
CLAIMED: Final = "claimed"
SENT: Final = "sent"
FAILED: Final = "failed"
UNKNOWN: Final = "unknown"
SKIPPED_WITHDRAWN: Final = "skipped_withdrawn"
SKIPPED_CAPPED: Final = "skipped_capped"
CANCELLED: Final = "cancelled"

MOVES: Final[Mapping[str, frozenset[str]]] = {
    PLANNED: frozenset({CLAIMED, SKIPPED_WITHDRAWN, SKIPPED_CAPPED, CANCELLED}),
    CLAIMED: frozenset({SENT, FAILED, UNKNOWN}),
}
"""Where a row in each state may go; a state not listed is final."""

CLAIM: Final = "claim"
"""The send-time check's third decision: not a state, the row is then claimed (`CLAIMED`)."""

CAP_COUNTED = (CLAIMED, SENT, UNKNOWN)
"""Deliveries that may have reached the person, so they count towards the frequency cap."""

TAKEN_OVER = "claimed by a worker that stopped before recording the outcome"
NO_OUTCOME = "no outcome from the email backend"
REASON_LIMIT = 500
"""Characters of a reason kept (an SMTP reply can be long)."""

Decision = Literal["claim", "skipped_withdrawn", "skipped_capped"]


def may_move(source: str, target: str) -> bool:
    """Whether a row in `source` may move to `target`."""
    return target in MOVES.get(source, frozenset())


def written(target: str, now: datetime, reason: str | None = None) -> dict[str, object]:
    """What a move to `target` writes on the row besides its state.

    A claim records when (the frequency cap counts from it); any other move ends the row and
    records when and why.
    """
    if target == CLAIMED:
        return {"state": target, "claimed_at": now}
    return {"state": target, "finished_at": now, "reason": reason and reason[:REASON_LIMIT]}


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


@dataclass(frozen=True)
class RecipientStatus:
    """A planned recipient as the send-time check reads the view: status and contact."""

    subject_id: uuid.UUID
    status: str | None
    email: str | None
    locale: str | None
    name: str | None
    suppressed: bool = False


@dataclass(frozen=True)
class BatchCheck:
    """The send-time check's verdict on a batch: whom to claim, whom to skip and why."""

    chosen: Mapping[uuid.UUID, Person]
    """In the order they were planned."""
    skipped: Mapping[tuple[str, str], Sequence[uuid.UUID]]
    """(the state they move to, the reason the ledger keeps) -> who."""


def check_batch(
    planned: Sequence[uuid.UUID],
    found: Mapping[uuid.UUID, RecipientStatus],
    recent: Mapping[uuid.UUID, int],
    cap: int | None,
) -> BatchCheck:
    """Decide for every planned recipient of a batch (`decide`), with the reason of a skip.

    `found` is what the view holds of them (someone absent is no longer held), `recent` how
    many campaign emails each was handed within the cap's period.
    """
    skipped: dict[tuple[str, str], list[uuid.UUID]] = {}
    chosen: dict[uuid.UUID, Person] = {}
    for subject_id in planned:
        row = found.get(subject_id)
        current = row.status if row is not None and row.email else None
        suppressed = row is not None and row.suppressed
        decision = decide(current, recent.get(subject_id, 0), cap, suppressed=suppressed)
        if decision == CLAIM and row is not None and row.email:
            chosen[subject_id] = Person(subject_id, row.email, row.locale, row.name)
        else:
            reason = "frequency cap" if decision == SKIPPED_CAPPED else current
            if suppressed and current == "granted":
                reason = "suppressed"
            skipped.setdefault((decision, reason or "not held"), []).append(subject_id)
    return BatchCheck(chosen, skipped)


def ledger_state(kind: OutcomeKind) -> str:
    """The ledger state an email backend's outcome puts a claimed row in."""
    return {"sent": SENT, "failed": FAILED, "unknown": UNKNOWN}[kind]


def by_state(outcomes: Iterable[Outcome]) -> dict[tuple[str, str | None], list[uuid.UUID]]:
    """The backend's outcomes of a group, as one move per (state, reason)."""
    grouped: dict[tuple[str, str | None], list[uuid.UUID]] = {}
    for outcome in outcomes:
        grouped.setdefault((ledger_state(outcome.kind), outcome.reason), []).append(
            outcome.subject_id
        )
    return grouped


EMAIL_OUTCOMES: Final[Mapping[str, str]] = {
    SENT: "sent",
    FAILED: "failed",
    UNKNOWN: "unknown",
    CLAIMED: "unknown",
}
"""What a person's export says of an email in each state (campaign ledger and confirmation
queue alike); a state not listed was never an email. `claimed` is committed just before the
backend call, so such an email is in flight or its worker died: either way it may have gone,
which is `unknown`."""


@dataclass(frozen=True)
class SentEmail:
    """One email handed (or maybe handed) to the backend for a person, for their export."""

    kind: str
    campaign_id: uuid.UUID | None
    campaign_name: str | None
    run_id: uuid.UUID | None
    sent_at: datetime | None
    outcome: str


def oldest_first(emails: Iterable[SentEmail]) -> list[SentEmail]:
    """A person's emails in the order they went; one never handed over (no time) last."""
    return sorted(emails, key=lambda e: (e.sent_at is None, e.sent_at or datetime.min, e.kind))
