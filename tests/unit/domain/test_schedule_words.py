"""A schedule in words in ky/ru/en, and its next five dates in the campaign's time zone."""

# ruff: noqa: RUF001  (Kyrgyz and Russian words are written in Cyrillic)

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_service.domain.schedule_words import WEEKDAYS, describe, next_occurrences
from consent_service.domain.schedules import OneOff, Recurring, ScheduleError, check_rule

ANCHOR = datetime(2026, 12, 7)  # a Monday, midnight local time
NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def recurring(rule: str, zone: str = "Asia/Bishkek", until: datetime | None = None) -> Recurring:
    return Recurring(rule, zone, ANCHOR, until)


@pytest.mark.parametrize(
    ("rule", "locale", "words"),
    [
        ("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "en", "every Monday at 09:00, Asia/Bishkek"),
        (
            "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
            "ru",
            "каждый понедельник в 09:00, Asia/Bishkek",
        ),
        ("FREQ=WEEKLY;BYDAY=WE;BYHOUR=9;BYMINUTE=0", "ru", "каждую среду в 09:00, Asia/Bishkek"),
        (
            "FREQ=WEEKLY;BYDAY=SU;BYHOUR=9;BYMINUTE=0",
            "ru",
            "каждое воскресенье в 09:00, Asia/Bishkek",
        ),
        ("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "ky", "ар дүйшөмбү саат 09:00, Asia/Bishkek"),
        ("FREQ=DAILY;BYHOUR=18;BYMINUTE=30", "en", "every day at 18:30, Asia/Bishkek"),
        ("FREQ=DAILY;BYHOUR=18;BYMINUTE=30", "ky", "ар күнү саат 18:30, Asia/Bishkek"),
        ("FREQ=DAILY", "en", "every day at 00:00, Asia/Bishkek"),
        ("FREQ=HOURLY;BYMINUTE=15", "en", "every hour at 15 past, Asia/Bishkek"),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=10",
            "en",
            "every 2 weeks on Monday and Thursday at 10:00, Asia/Bishkek",
        ),
        (
            "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=10",
            "ru",
            "каждую неделю по понедельникам, средам и пятницам в 10:00, Asia/Bishkek",
        ),
        (
            "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=10",
            "ky",
            "ар аптада: дүйшөмбү жана бейшемби, саат 10:00, Asia/Bishkek",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=10",
            "en",
            "every month on day 1 at 10:00, Asia/Bishkek",
        ),
        ("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=10", "ky", "ар айдын 1-күнү саат 10:00, Asia/Bishkek"),
        (
            "FREQ=MONTHLY;BYDAY=1FR;BYHOUR=10",
            "en",
            "every month on the first Friday at 10:00, Asia/Bishkek",
        ),
        (
            "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=10",
            "ru",
            "каждый месяц в последнюю пятницу в 10:00, Asia/Bishkek",
        ),
        (
            "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=8;BYHOUR=8",
            "ru",
            "каждый год 8 марта в 08:00, Asia/Bishkek",
        ),
        (
            "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR",
            "en",
            "by the rule FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR, Asia/Bishkek",
        ),
        ("FREQ=DAILY;BYHOUR=9,18", "ky", "эреже боюнча: FREQ=DAILY;BYHOUR=9,18, Asia/Bishkek"),
    ],
)
def test_a_recurring_schedule_in_words(rule: str, locale: str, words: str) -> None:
    assert describe(recurring(rule), locale) == words


def test_the_end_of_a_schedule_is_said_in_its_zone() -> None:
    schedule = recurring("FREQ=DAILY;BYHOUR=9", until=datetime(2027, 1, 31, 18, 0, tzinfo=UTC))

    assert describe(schedule, "en") == "every day at 09:00, until 2027-02-01 00:00, Asia/Bishkek"


def test_a_one_off_in_words_keeps_its_offset() -> None:
    at = datetime(2026, 12, 24, 9, 0, tzinfo=timezone(timedelta(hours=6)))

    assert describe(OneOff(at), "en") == "once, on 2026-12-24 at 09:00, UTC+06:00"
    assert describe(OneOff(at), "ru") == "однократно, 2026-12-24 в 09:00, UTC+06:00"


def test_the_next_five_dates_are_in_the_campaigns_zone() -> None:
    schedule = recurring("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0")

    dates = next_occurrences(schedule, NOW)

    assert [d.isoformat() for d in dates] == [
        "2026-12-14T09:00:00+06:00",
        "2026-12-21T09:00:00+06:00",
        "2026-12-28T09:00:00+06:00",
        "2027-01-04T09:00:00+06:00",
        "2027-01-11T09:00:00+06:00",
    ]


def test_the_next_dates_stop_where_the_schedule_ends() -> None:
    schedule = recurring("FREQ=DAILY;BYHOUR=9", until=datetime(2026, 12, 9, 12, 0, tzinfo=UTC))

    assert [d.day for d in next_occurrences(schedule, NOW)] == [8, 9]
    assert next_occurrences(OneOff(NOW + timedelta(hours=1)), NOW) == [NOW + timedelta(hours=1)]
    assert next_occurrences(OneOff(NOW), NOW) == []


def test_the_dates_follow_daylight_saving_time_in_the_zone() -> None:
    schedule = Recurring("FREQ=WEEKLY;BYDAY=SU;BYHOUR=9", "Europe/Berlin", datetime(2027, 3, 20))

    dates = next_occurrences(schedule, datetime(2027, 3, 20, tzinfo=UTC), 2)

    assert [(d.hour, d.utcoffset()) for d in dates] == [
        (9, timedelta(hours=1)),
        (9, timedelta(hours=2)),
    ]


PARTS = st.fixed_dictionaries(
    {"FREQ": st.sampled_from(["HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"])},
    optional={
        "INTERVAL": st.integers(1, 12).map(str),
        "BYHOUR": st.lists(st.integers(0, 23), min_size=1, max_size=2).map(
            lambda hours: ",".join(map(str, hours))
        ),
        "BYMINUTE": st.integers(0, 59).map(str),
        "BYDAY": st.lists(
            st.tuples(st.sampled_from(["", "1", "2", "-1", "5"]), st.sampled_from(WEEKDAYS)),
            min_size=1,
            max_size=3,
        ).map(lambda days: ",".join(f"{n}{d}" for n, d in days)),
        "BYMONTHDAY": st.sampled_from(["1", "15", "28", "31", "-1"]),
        "BYMONTH": st.integers(1, 12).map(str),
        "BYSETPOS": st.sampled_from(["1", "-1"]),
    },
)


@given(parts=PARTS, locale=st.sampled_from(["ky", "ru", "en"]))
def test_every_accepted_rule_is_said_in_words_or_shown_as_itself(parts, locale) -> None:
    rule = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        check_rule(rule)
    except ScheduleError:
        return

    words = describe(recurring(rule), locale)

    assert words.endswith(", Asia/Bishkek")
    assert "{" not in words
    if any(name in parts for name in ("BYSETPOS",)) or "," in parts.get("BYHOUR", ""):
        assert rule in words
