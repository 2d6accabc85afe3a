"""The send ledger's rules: where a row may go, what the send-time check decides and why."""

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.domain import send_ledger
from mailer.domain.outgoing import Outcome
from mailer.domain.send_ledger import (
    CLAIMED,
    MOVES,
    PLANNED,
    RecipientStatus,
    check_batch,
    may_move,
    written,
)

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STATES = sorted({PLANNED, *(target for targets in MOVES.values() for target in targets)})


@given(st.lists(st.sampled_from(STATES), min_size=1, max_size=8))
def test_a_row_never_goes_back_and_reaches_the_backend_only_through_a_claim(path) -> None:
    """Follow any sequence of moves the rules allow from `planned`: no state comes twice,
    and `sent`, `failed` or `unknown` only ever come after `claimed`."""
    state, seen = PLANNED, [PLANNED]
    for target in path:
        if may_move(state, target):
            state = target
            seen.append(state)
    assert len(seen) == len(set(seen))
    for outcome in ("sent", "failed", "unknown"):
        if outcome in seen:
            assert seen[seen.index(outcome) - 1] == CLAIMED


@pytest.mark.parametrize("final", sorted(set(STATES) - set(MOVES)))
def test_a_final_state_goes_nowhere(final: str) -> None:
    assert not any(may_move(final, target) for target in STATES)


def test_a_claim_records_when_and_an_end_records_when_and_why_within_the_limit() -> None:
    assert written(CLAIMED, NOW) == {"state": "claimed", "claimed_at": NOW}
    long = "5.1.1 " + "x" * 600
    assert written("failed", NOW, long) == {
        "state": "failed",
        "finished_at": NOW,
        "reason": long[: send_ledger.REASON_LIMIT],
    }


statuses = st.sampled_from(["granted", "withdrawn", "pending", None])


@given(
    people=st.lists(
        st.tuples(statuses, st.booleans(), st.booleans(), st.integers(0, 4)), max_size=12
    ),
    cap=st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
)
def test_the_check_claims_exactly_the_granted_reachable_people_under_the_cap(people, cap) -> None:
    """Each planned person is decided once: claimed when granted, with an address, not
    suppressed and under the cap; skipped otherwise, with the reason the ledger keeps."""
    planned = [uuid.uuid4() for _ in people]
    found, recent = {}, {}
    for subject_id, (status, held, suppressed, emails) in zip(planned, people, strict=True):
        if held:
            found[subject_id] = RecipientStatus(
                subject_id, status, f"{subject_id.hex[:8]}@example.kg", "ky", None, suppressed
            )
        recent[subject_id] = emails

    check = check_batch(planned, found, recent, cap)

    skipped = {i: key for key, ids in check.skipped.items() for i in ids}
    assert set(check.chosen) | set(skipped) == set(planned)
    assert not set(check.chosen) & set(skipped)
    assert list(check.chosen) == [i for i in planned if i in check.chosen]
    for subject_id, (status, held, suppressed, emails) in zip(planned, people, strict=True):
        reachable = held and status == "granted" and not suppressed
        if reachable and (cap is None or emails < cap):
            assert check.chosen[subject_id].address == found[subject_id].email
        elif reachable:
            assert skipped[subject_id] == ("skipped_capped", "frequency cap")
        elif held and status == "granted":
            assert skipped[subject_id] == ("skipped_withdrawn", "suppressed")
        else:
            reason = status if held and status else "not held"
            assert skipped[subject_id] == ("skipped_withdrawn", reason)


def test_someone_whose_address_is_gone_is_not_held() -> None:
    subject_id = uuid.uuid4()
    found = {subject_id: RecipientStatus(subject_id, "granted", None, "ky", None)}
    check = check_batch([subject_id], found, {}, None)
    assert check.skipped == {("skipped_withdrawn", "not held"): [subject_id]}


def test_outcomes_become_one_move_per_state_and_reason() -> None:
    a, b, c = (uuid.uuid4() for _ in range(3))
    moves = send_ledger.by_state(
        [Outcome(a, "sent"), Outcome(b, "failed", "550"), Outcome(c, "sent")]
    )
    assert moves == {("sent", None): [a, c], ("failed", "550"): [b]}


def test_an_export_calls_a_claimed_email_unknown_and_a_skipped_one_no_email() -> None:
    assert send_ledger.EMAIL_OUTCOMES[CLAIMED] == "unknown"
    assert not {"planned", "skipped_withdrawn", "skipped_capped", "cancelled"} & set(
        send_ledger.EMAIL_OUTCOMES
    )
