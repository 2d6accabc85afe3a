"""The pure rules of a run: who the send-time check lets through, the ledger, the throttle."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.domain import send_ledger
from mailer.domain.runs import RunCounts
from mailer.domain.throttle import TokenBucket


@pytest.mark.parametrize("status", ["withdrawn", "pending", None])
def test_anyone_not_granted_is_skipped_as_withdrawn_whatever_the_cap(status) -> None:
    assert send_ledger.decide(status, recent=0, cap=None) == "skipped_withdrawn"
    assert send_ledger.decide(status, recent=5, cap=1) == "skipped_withdrawn"


def test_a_granted_recipient_under_the_cap_is_claimed() -> None:
    assert send_ledger.decide("granted", recent=0, cap=None) == "claim"
    assert send_ledger.decide("granted", recent=100, cap=None) == "claim"
    assert send_ledger.decide("granted", recent=1, cap=2) == "claim"


def test_a_granted_recipient_at_the_cap_is_skipped_as_capped() -> None:
    assert send_ledger.decide("granted", recent=2, cap=2) == "skipped_capped"


def test_backend_outcomes_map_to_ledger_states_one_to_one() -> None:
    assert [send_ledger.ledger_state(kind) for kind in ("sent", "failed", "unknown")] == [
        "sent",
        "failed",
        "unknown",
    ]


def test_a_batch_adds_its_final_states_to_the_counts_and_nothing_for_cancelled_rows() -> None:
    counts = RunCounts.of_states(
        {"sent": 5, "failed": 1, "unknown": 2, "skipped_withdrawn": 3, "cancelled": 9}
    )
    assert counts == RunCounts(sent=5, failed=1, unknown=2, skipped_withdrawn=3)
    assert counts.as_dict()["recipients"] == 0


def test_no_throttle_never_waits() -> None:
    bucket = TokenBucket(rate=0)
    assert all(bucket.reserve(1000, now=0.0) == 0 for _ in range(100))


def emails_by(bucket: TokenBucket, seconds: int, batch: int) -> int:
    """Batches a sender loop would hand over within `seconds` of simulated time."""
    now, handed = 0.0, 0
    while True:
        now += bucket.reserve(batch, now)
        if now > seconds:
            return handed
        handed += batch


@given(
    rate=st.integers(min_value=1, max_value=5000),
    seconds=st.integers(min_value=1, max_value=120),
    batch=st.integers(min_value=1, max_value=2000),
)
def test_a_throttled_process_hands_over_at_most_burst_plus_rate_times_time(
    rate: int, seconds: int, batch: int
) -> None:
    bucket = TokenBucket(rate=rate)
    assert emails_by(bucket, seconds, batch) <= bucket.burst + rate * seconds


def test_a_throttled_process_keeps_up_its_rate() -> None:
    assert emails_by(TokenBucket(rate=100), seconds=60, batch=10) >= 100 * 60


def test_emails_given_back_are_spent_on_the_next_batch() -> None:
    bucket = TokenBucket(rate=10)
    bucket.reserve(10, now=0.0)
    assert bucket.reserve(10, now=0.0) == pytest.approx(1.0)
    bucket.give_back(10, now=0.0)
    assert bucket.reserve(10, now=0.0) == pytest.approx(1.0)


def test_given_back_tokens_never_exceed_the_burst() -> None:
    bucket = TokenBucket(rate=10)
    bucket.give_back(1000, now=0.0)
    assert bucket.reserve(11, now=0.0) == pytest.approx(0.1)
