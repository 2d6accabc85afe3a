"""Schedules: one-off and recurring occurrences, DST in Europe/Berlin, until, missed runs."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_service.domain.schedules import (
    OneOff,
    Recurring,
    ScheduleError,
    due_run,
    parse_schedule,
    schedule_from_json,
)

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_9_BERLIN = {"rrule": "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "timezone": "Europe/Berlin"}
GRACE = timedelta(minutes=60)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def occurrences(schedule: Recurring | OneOff, after: datetime, count: int) -> list[datetime]:
    found, moment = [], after
    for _ in range(count):
        moment = schedule.next_after(moment)
        assert moment is not None
        found.append(moment)
    return found


def test_weekly_nine_oclock_berlin_stays_nine_across_the_spring_change() -> None:
    schedule, first = parse_schedule(MONDAY_9_BERLIN, utc(2027, 3, 17, 12))
    runs = [first, *occurrences(schedule, first, 2)]
    assert [r.astimezone(BERLIN).strftime("%a %H:%M %z") for r in runs] == [
        "Mon 09:00 +0100",
        "Mon 09:00 +0200",  # 2027-03-28: clocks went forward
        "Mon 09:00 +0200",
    ]
    assert runs == [utc(2027, 3, 22, 8), utc(2027, 3, 29, 7), utc(2027, 4, 5, 7)]


def test_weekly_nine_oclock_berlin_stays_nine_across_the_autumn_change() -> None:
    schedule, first = parse_schedule(MONDAY_9_BERLIN, utc(2026, 10, 14, 12))
    runs = [first, *occurrences(schedule, first, 2)]
    assert runs == [utc(2026, 10, 19, 7), utc(2026, 10, 26, 8), utc(2026, 11, 2, 8)]
    assert {r.astimezone(BERLIN).hour for r in runs} == {9}


def test_a_local_time_inside_the_spring_gap_runs_shifted_forward_by_the_gap() -> None:
    daily_0230 = {"rrule": "FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "timezone": "Europe/Berlin"}
    schedule, _ = parse_schedule(daily_0230, utc(2027, 3, 26, 12))
    gap_day = schedule.next_after(utc(2027, 3, 27, 12))
    assert gap_day == utc(2027, 3, 28, 1, 30)  # 03:30 CEST: 02:30 does not exist that day


def test_a_local_time_in_the_autumn_fold_runs_once() -> None:
    daily_0230 = {"rrule": "FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "timezone": "Europe/Berlin"}
    schedule, _ = parse_schedule(daily_0230, utc(2026, 10, 20, 12))
    fold_day = schedule.between(utc(2026, 10, 24, 12), utc(2026, 10, 25, 12))
    assert fold_day == [utc(2026, 10, 25, 0, 30)]  # the first 02:30, CEST


def test_hourly_rule_is_monotonic_through_the_spring_gap() -> None:
    half_hourly = {"rrule": "FREQ=HOURLY;BYMINUTE=0,30", "timezone": "Europe/Berlin"}
    schedule, _ = parse_schedule(half_hourly, utc(2027, 3, 27, 12))
    runs = occurrences(schedule, utc(2027, 3, 28, 0, 10), 4)
    assert runs == sorted(set(runs))
    assert runs[0] == utc(2027, 3, 28, 0, 30)


def test_unspecified_parts_of_the_rule_come_from_local_midnight_of_the_creation_day() -> None:
    daily = {"rrule": "FREQ=DAILY", "timezone": "Asia/Bishkek"}
    _, first = parse_schedule(daily, utc(2027, 1, 5, 10, 17, 42))
    assert first.astimezone(ZoneInfo("Asia/Bishkek")) == datetime(
        2027, 1, 6, 0, 0, tzinfo=ZoneInfo("Asia/Bishkek")
    )


def test_until_ends_the_schedule() -> None:
    raw = MONDAY_9_BERLIN | {"until": utc(2027, 4, 1)}
    schedule, first = parse_schedule(raw, utc(2027, 3, 17, 12))
    assert first == utc(2027, 3, 22, 8)
    assert schedule.next_after(first) == utc(2027, 3, 29, 7)
    assert schedule.next_after(utc(2027, 3, 29, 7)) is None


def test_an_occurrence_exactly_at_until_still_runs() -> None:
    raw = MONDAY_9_BERLIN | {"until": utc(2027, 3, 29, 7)}
    schedule, _ = parse_schedule(raw, utc(2027, 3, 17, 12))
    assert schedule.next_after(utc(2027, 3, 22, 8)) == utc(2027, 3, 29, 7)


def test_a_stored_schedule_evaluates_as_when_it_was_created() -> None:
    created = utc(2027, 3, 17, 12)
    schedule, _ = parse_schedule(MONDAY_9_BERLIN | {"until": utc(2027, 6, 1)}, created)
    stored = schedule_from_json(schedule.to_json(), created)
    assert stored == schedule
    one_off, _ = parse_schedule({"at": utc(2027, 5, 1, 9)}, created)
    assert schedule_from_json(one_off.to_json(), created) == one_off


def test_a_one_off_runs_at_its_instant_and_never_again() -> None:
    schedule, first = parse_schedule(
        {"at": datetime.fromisoformat("2026-12-01T09:00:00+06:00")}, utc(2026, 11, 25)
    )
    assert first == utc(2026, 12, 1, 3)
    assert schedule.next_after(first) is None


def rule(text: str) -> dict[str, str]:
    return {"rrule": text, "timezone": "UTC"}


BAD_SCHEDULES = {
    "neither at nor rrule": ({"timezone": "Europe/Berlin"}, "_schema"),
    "both at and rrule": ({"at": utc(2030, 1, 1), **MONDAY_9_BERLIN}, "_schema"),
    "at in the past": ({"at": utc(2020, 1, 1)}, "at"),
    "at with a timezone": ({"at": utc(2030, 1, 1), "timezone": "Europe/Berlin"}, "timezone"),
    "rrule without a timezone": ({"rrule": "FREQ=DAILY"}, "timezone"),
    "unknown time zone": ({"rrule": "FREQ=DAILY", "timezone": "Europe/Atlantis"}, "timezone"),
    "unparsable rule": (rule("every monday"), "rrule"),
    "bad weekday": (rule("FREQ=WEEKLY;BYDAY=XX"), "rrule"),
    "no FREQ": (rule("BYDAY=MO"), "rrule"),
    "secondly": (rule("FREQ=SECONDLY"), "rrule"),
    "minutely": (rule("FREQ=MINUTELY;INTERVAL=30"), "rrule"),
    "bysecond": (rule("FREQ=HOURLY;BYSECOND=0,30"), "rrule"),
    "zero interval": (rule("FREQ=DAILY;INTERVAL=0"), "rrule"),
    "DTSTART in the rule": (rule("FREQ=DAILY;DTSTART=20270101T000000"), "rrule"),
    "UNTIL in the rule": (rule("FREQ=DAILY;UNTIL=20270101T000000Z"), "rrule"),
    "COUNT in the rule": (rule("FREQ=DAILY;COUNT=3"), "rrule"),
    "no occurrence ever": (rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"), "rrule"),
    "until in the past": (MONDAY_9_BERLIN | {"until": utc(2020, 1, 1)}, "until"),
    "until before the first occurrence": (MONDAY_9_BERLIN | {"until": utc(2027, 1, 2)}, "until"),
}


@pytest.mark.parametrize("case", list(BAD_SCHEDULES))
def test_bad_schedule_is_refused_naming_its_field(case: str) -> None:
    raw, field = BAD_SCHEDULES[case]
    with pytest.raises(ScheduleError) as refused:
        parse_schedule(raw, utc(2027, 1, 1))  # a Friday
    assert refused.value.field == field
    assert refused.value.message


@given(
    moment=st.one_of(
        st.datetimes(min_value=datetime(2128, 1, 1), timezones=st.timezones()),
        st.datetimes(max_value=datetime(1, 1, 3), timezones=st.timezones()),
    ),
    field=st.sampled_from(["at", "until"]),
)
def test_an_instant_near_either_end_of_the_calendar_is_refused_not_overflowed(
    moment: datetime, field: str
) -> None:
    raw = {"at": moment} if field == "at" else MONDAY_9_BERLIN | {"until": moment}
    with pytest.raises(ScheduleError) as refused:
        parse_schedule(raw, utc(2027, 1, 1))
    assert refused.value.field == field


def test_scheduler_on_time_runs_the_occurrence() -> None:
    schedule, first = parse_schedule(MONDAY_9_BERLIN, utc(2027, 3, 17, 12))
    due = due_run(schedule, first, first + timedelta(seconds=1), GRACE)
    assert due.run_for == first
    assert due.missed == 0
    assert due.next_run_at == utc(2027, 3, 29, 7)


def test_after_downtime_only_the_latest_missed_occurrence_runs_within_grace() -> None:
    schedule, first = parse_schedule(MONDAY_9_BERLIN, utc(2027, 3, 17, 12))
    back_up = utc(2027, 4, 12, 7, 45)  # three Mondays missed, the fourth 45 minutes ago
    due = due_run(schedule, first, back_up, GRACE)
    assert due.run_for == utc(2027, 4, 12, 7)
    assert due.missed == 3
    assert due.next_run_at == utc(2027, 4, 19, 7)


def test_after_downtime_beyond_grace_nothing_runs_and_every_occurrence_is_missed() -> None:
    schedule, first = parse_schedule(MONDAY_9_BERLIN, utc(2027, 3, 17, 12))
    back_up = utc(2027, 4, 12, 8, 1)  # the latest occurrence is 61 minutes old
    due = due_run(schedule, first, back_up, GRACE)
    assert due.run_for is None
    assert due.missed == 4
    assert due.next_run_at == utc(2027, 4, 19, 7)


def test_a_one_off_missed_beyond_grace_has_no_run_and_no_next() -> None:
    at = utc(2027, 1, 10, 9)
    due = due_run(OneOff(at), at, at + timedelta(hours=2), GRACE)
    assert (due.run_for, due.missed, due.next_run_at) == (None, 1, None)


def test_a_one_off_late_within_grace_still_runs() -> None:
    at = utc(2027, 1, 10, 9)
    due = due_run(OneOff(at), at, at + timedelta(minutes=59), GRACE)
    assert (due.run_for, due.missed, due.next_run_at) == (at, 0, None)
