"""Login throttling (SPEC section 9): after 10 failures in 15 minutes for one address or one
client, login waits until enough of them are older than 15 minutes."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_service.domain.staff.throttle import NO_WAIT, LoginThrottle, address_key

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)
THROTTLE = LoginThrottle()

ages = st.timedeltas(min_value=timedelta(0), max_value=timedelta(minutes=40))
failure_lists = st.lists(ages.map(lambda age: NOW - age), max_size=30)
skewed_lists = st.lists(
    st.timedeltas(min_value=-timedelta(minutes=2), max_value=timedelta(minutes=40)).map(
        lambda age: NOW - age
    ),
    max_size=30,
)


def in_window(failures: list[datetime], now: datetime) -> int:
    return sum(1 for moment in failures if moment > now - WINDOW)


def test_the_tenth_failure_within_fifteen_minutes_makes_the_next_login_wait() -> None:
    failures = [NOW - timedelta(minutes=14) + timedelta(seconds=second) for second in range(9)]
    assert THROTTLE.wait(failures, NOW) == NO_WAIT
    failures.append(NOW - timedelta(seconds=1))
    assert THROTTLE.wait(failures, NOW) == timedelta(minutes=1)


def test_failures_fifteen_minutes_old_no_longer_count() -> None:
    assert THROTTLE.wait([NOW - WINDOW] * 50, NOW) == NO_WAIT


@given(failure_lists)
def test_a_login_waits_exactly_when_ten_failures_lie_in_the_window(
    failures: list[datetime],
) -> None:
    assert (THROTTLE.wait(failures, NOW) > NO_WAIT) == (in_window(failures, NOW) >= 10)


@given(skewed_lists)
def test_after_the_wait_the_login_may_go_ahead_and_not_a_moment_sooner(
    failures: list[datetime],
) -> None:
    wait = THROTTLE.wait(failures, NOW)
    assert wait >= NO_WAIT
    assert THROTTLE.wait(failures, NOW + wait) == NO_WAIT
    if wait > NO_WAIT:
        assert THROTTLE.wait(failures, NOW + wait - timedelta(microseconds=1)) > NO_WAIT


@given(failure_lists)
def test_a_wait_never_outlasts_the_window(failures: list[datetime]) -> None:
    assert THROTTLE.wait(failures, NOW) <= WINDOW


@given(failure_lists, ages)
def test_another_failure_never_shortens_the_wait(failures: list[datetime], age: timedelta) -> None:
    assert THROTTLE.wait([*failures, NOW - age], NOW) >= THROTTLE.wait(failures, NOW)


@given(failure_lists, st.randoms(use_true_random=False))
def test_the_order_of_the_failures_does_not_matter(
    failures: list[datetime], shuffler: random.Random
) -> None:
    shuffled = list(failures)
    shuffler.shuffle(shuffled)
    assert THROTTLE.wait(shuffled, NOW) == THROTTLE.wait(failures, NOW)


@given(failure_lists, failure_lists)
def test_either_the_address_or_the_client_alone_makes_the_login_wait(
    by_address: list[datetime], by_client: list[datetime]
) -> None:
    waits = THROTTLE.login_wait(by_address, by_client, NOW) > NO_WAIT
    assert waits == (in_window(by_address, NOW) >= 10 or in_window(by_client, NOW) >= 10)


@given(st.emails())
def test_an_address_is_one_key_whatever_its_case_and_spaces(address: str) -> None:
    assert address_key(f"  {address.upper()}\t") == address_key(address)


@pytest.mark.parametrize(("limit", "window"), [(0, WINDOW), (10, NO_WAIT), (10, -WINDOW)])
def test_a_throttle_that_could_never_or_always_wait_cannot_be_made(
    limit: int, window: timedelta
) -> None:
    with pytest.raises(ValueError, match="limit"):
        LoginThrottle(limit, window)
