"""Console sessions (SPEC section 9): they end after the idle timeout without a request, and
12 hours after sign-in however busy they are."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_service.domain.staff.sessions import SessionPolicy, SessionState

SIGNED_IN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
POLICY = SessionPolicy()
TWELVE_HOURS = timedelta(hours=12)

idle_timeouts = st.integers(min_value=1, max_value=12 * 60).map(lambda m: timedelta(minutes=m))
moments = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=14))


def test_the_defaults_are_thirty_minutes_idle_and_twelve_hours_in_all() -> None:
    assert POLICY.idle == timedelta(minutes=30)
    assert POLICY.absolute == TWELVE_HOURS


def test_a_session_ends_at_the_very_moment_a_timeout_is_reached() -> None:
    last_seen = SIGNED_IN + timedelta(hours=1)
    just_before = timedelta(microseconds=1)
    assert (
        POLICY.state(SIGNED_IN, last_seen, last_seen + POLICY.idle - just_before)
        is SessionState.ACTIVE
    )
    assert POLICY.state(SIGNED_IN, last_seen, last_seen + POLICY.idle) is SessionState.IDLE
    late = SIGNED_IN + TWELVE_HOURS - timedelta(minutes=1)
    assert (
        POLICY.state(SIGNED_IN, late, SIGNED_IN + TWELVE_HOURS - just_before) is SessionState.ACTIVE
    )
    assert POLICY.state(SIGNED_IN, late, SIGNED_IN + TWELVE_HOURS) is SessionState.EXPIRED


@given(idle_timeouts, st.lists(st.integers(1, 99), min_size=1, max_size=20))
def test_a_session_used_more_often_than_its_idle_timeout_ends_at_twelve_hours(
    idle: timedelta, percents: list[int]
) -> None:
    """Requests come at gaps of `percents` of the idle timeout, in turn, until past 12 hours."""
    policy = SessionPolicy(idle=idle)
    now = last_seen = SIGNED_IN
    for percent in itertools.cycle(percents):
        if now >= SIGNED_IN + TWELVE_HOURS + idle:
            break
        now += idle * percent / 100
        state = policy.state(SIGNED_IN, last_seen, now)
        expected = SessionState.EXPIRED if now >= SIGNED_IN + TWELVE_HOURS else SessionState.ACTIVE
        assert state is expected
        if state is SessionState.ACTIVE:
            last_seen = now


@given(idle_timeouts, moments, moments)
def test_a_session_ends_after_its_idle_timeout_without_a_request(
    idle: timedelta, used: timedelta, gap: timedelta
) -> None:
    policy = SessionPolicy(idle=idle)
    now = SIGNED_IN + used + gap
    state = policy.state(SIGNED_IN, SIGNED_IN + used, now)
    if now >= SIGNED_IN + TWELVE_HOURS:
        assert state is SessionState.EXPIRED
    else:
        assert state is (SessionState.IDLE if gap >= idle else SessionState.ACTIVE)


@given(idle_timeouts, moments, moments)
def test_a_session_is_active_exactly_until_it_ends(
    idle: timedelta, used: timedelta, later: timedelta
) -> None:
    policy = SessionPolicy(idle=idle)
    last_seen = SIGNED_IN + used
    now = SIGNED_IN + later
    ends_at = policy.ends_at(SIGNED_IN, last_seen)
    assert ends_at <= SIGNED_IN + TWELVE_HOURS
    if now >= last_seen:
        assert (policy.state(SIGNED_IN, last_seen, now) is SessionState.ACTIVE) == (now < ends_at)


@pytest.mark.parametrize(
    "idle", [timedelta(0), timedelta(minutes=-5), TWELVE_HOURS + timedelta(minutes=1)]
)
def test_an_idle_timeout_outside_zero_to_twelve_hours_is_refused(idle: timedelta) -> None:
    with pytest.raises(ValueError, match="idle timeout"):
        SessionPolicy(idle=idle)
