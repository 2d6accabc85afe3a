"""The law's clock for data-subject requests: due days across month and year ends, what is
overdue or due soon, and what closing takes (a refusal needs its reason)."""

from datetime import date

import pytest

from consent_service.domain.rights_requests import (
    InvalidRequest,
    Outcome,
    Urgency,
    check_closing,
    check_due_days,
    check_received,
    due_on,
    urgency,
)


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        (date(2026, 1, 28), 7, date(2026, 2, 4)),
        (date(2026, 2, 25), 7, date(2026, 3, 4)),  # February of 28 days
        (date(2028, 2, 25), 7, date(2028, 3, 3)),  # a leap year's February
        (date(2026, 4, 30), 1, date(2026, 5, 1)),
        (date(2026, 12, 28), 7, date(2027, 1, 4)),
        (date(2026, 1, 31), 30, date(2026, 3, 2)),
        (date(2026, 11, 1), 90, date(2027, 1, 30)),
    ],
)
def test_the_due_day_counts_calendar_days_across_month_ends(received, days, due) -> None:
    assert due_on(received, days) == due


@pytest.mark.parametrize("days", [0, -1, 91, 365])
def test_a_due_setting_outside_1_to_90_days_is_refused(days) -> None:
    with pytest.raises(ValueError, match="between 1 and 90"):
        check_due_days(days)
    with pytest.raises(ValueError, match="between"):
        due_on(date(2026, 1, 1), days)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 3, 1), Urgency.ON_TIME),
        (date(2026, 3, 2), Urgency.DUE_SOON),  # two days left
        (date(2026, 3, 4), Urgency.DUE_SOON),  # the due day itself is still in time
        (date(2026, 3, 5), Urgency.OVERDUE),
        (date(2027, 1, 1), Urgency.OVERDUE),
    ],
)
def test_overdue_is_after_the_due_day_and_due_soon_the_two_days_before(today, expected) -> None:
    assert urgency(date(2026, 3, 4), today, closed=False) is expected


def test_a_closed_request_is_never_overdue() -> None:
    assert urgency(date(2026, 3, 4), date(2027, 1, 1), closed=True) is Urgency.CLOSED


def test_a_refusal_needs_its_reason_and_others_keep_none() -> None:
    with pytest.raises(InvalidRequest) as refused:
        check_closing("refused", "   ")
    assert refused.value.errors == {"reason": "required"}
    assert check_closing("refused", " No data held. ").reason == "No data held."
    assert check_closing("fulfilled", "").outcome is Outcome.FULFILLED
    assert check_closing("partly_fulfilled", "").reason is None


@pytest.mark.parametrize(
    ("outcome", "reason", "errors"),
    [
        ("maybe", "", {"outcome": "unknown"}),
        ("refused", "x" * 2001, {"reason": "too_long"}),
        ("refused", "a\x00b", {"reason": "unreadable"}),
        ("fulfilled", "\ud800", {"reason": "unreadable"}),
    ],
)
def test_an_unfit_closing_names_its_fields(outcome, reason, errors) -> None:
    with pytest.raises(InvalidRequest) as refused:
        check_closing(outcome, reason)
    assert refused.value.errors == errors


def test_a_received_day_is_not_in_the_future_nor_a_typing_mistake() -> None:
    today = date(2026, 12, 1)
    assert check_received(today, today) == {}
    assert check_received(date(2026, 12, 2), today) == {"received_on": "future"}
    assert check_received(date(1999, 12, 31), today) == {"received_on": "too_early"}
