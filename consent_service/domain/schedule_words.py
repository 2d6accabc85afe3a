"""A campaign's schedule in words, in Kyrgyz, Russian or English, and its next occurrences.

The console shows "every Monday at 09:00, Asia/Bishkek" rather than `FREQ=WEEKLY;BYDAY=MO;
BYHOUR=9` so that marketing can check a schedule without reading RFC 5545. The common shapes
(hourly, daily, weekly on some days, monthly on a day or on "the first Monday", yearly on a
date, each with an interval) are put into words; a rule with parts beyond those (BYSETPOS,
BYWEEKNO, BYYEARDAY, several hours or months...) is shown as the rule itself, introduced in
the language ("by the rule ..."), never wrongly simplified. The words are kept here rather
than in the gettext catalogue because their grammar differs per language (Russian weekdays
have genders and plural cases), which one message id per phrase cannot carry.

Parts a rule leaves out come from its anchor, midnight of the creation day (domain/
schedules.py), so a rule without BYHOUR runs at 00:00 and says so.
"""

# ruff: noqa: RUF001  (Kyrgyz and Russian words are written in Cyrillic)

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from consent_service.domain.schedules import OneOff, Recurring, Schedule

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

_DAY_NAMES = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "ru": ("понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"),
    "ky": ("дүйшөмбү", "шейшемби", "шаршемби", "бейшемби", "жума", "ишемби", "жекшемби"),
}
"""A weekday as it follows "every" (Russian: accusative, "каждую среду")."""

_RU_EVERY = ("каждый", "каждый", "каждую", "каждый", "каждую", "каждую", "каждое")
_RU_PLURAL = (
    "понедельникам",
    "вторникам",
    "средам",
    "четвергам",
    "пятницам",
    "субботам",
    "воскресеньям",
)
_RU_ORDINAL_DAY = {
    1: ("первый", "первый", "первую", "первый", "первую", "первую", "первое"),
    2: ("второй", "второй", "вторую", "второй", "вторую", "вторую", "второе"),
    3: ("третий", "третий", "третью", "третий", "третью", "третью", "третье"),
    4: ("четвёртый", "четвёртый", "четвёртую", "четвёртый", "четвёртую", "четвёртую", "четвёртое"),
    -1: ("последний", "последний", "последнюю", "последний", "последнюю", "последнюю", "последнее"),
}
_EN_ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_KY_ORDINAL = {1: "биринчи", 2: "экинчи", 3: "үчүнчү", 4: "төртүнчү", -1: "акыркы"}

_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "ru": (
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ),
    "ky": (
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    ),
}

_PHRASES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "once": "once, on {date} at {time}, {zone}",
        "hourly": "every hour at {minute} past",
        "hourly_n": "every {n} hours at {minute} past",
        "daily": "every day at {time}",
        "daily_n": "every {n} days at {time}",
        "weekly_one": "every {day} at {time}",
        "weekly": "every week on {days} at {time}",
        "weekly_n": "every {n} weeks on {days} at {time}",
        "monthly_day": "every month on day {day} at {time}",
        "monthly_day_n": "every {n} months on day {day} at {time}",
        "monthly_last_day": "every month on its last day at {time}",
        "monthly_weekday": "every month on the {ordinal} {day} at {time}",
        "monthly_weekday_n": "every {n} months on the {ordinal} {day} at {time}",
        "yearly": "every year on {day} {month} at {time}",
        "yearly_n": "every {n} years on {day} {month} at {time}",
        "until": "until {date}",
        "rule": "by the rule {rule}",
        "and": " and ",
    },
    "ru": {
        "once": "однократно, {date} в {time}, {zone}",
        "hourly": "каждый час в {minute} минут",
        "hourly_n": "каждые {n} ч в {minute} минут",
        "daily": "каждый день в {time}",
        "daily_n": "каждые {n} дн. в {time}",
        "weekly_one": "{every} {day} в {time}",
        "weekly": "каждую неделю по {days} в {time}",
        "weekly_n": "раз в {n} нед. по {days} в {time}",
        "monthly_day": "каждый месяц {day}-го числа в {time}",
        "monthly_day_n": "раз в {n} мес. {day}-го числа в {time}",
        "monthly_last_day": "каждый месяц в последний день в {time}",
        "monthly_weekday": "каждый месяц в {ordinal} {day} в {time}",
        "monthly_weekday_n": "раз в {n} мес. в {ordinal} {day} в {time}",
        "yearly": "каждый год {day} {month} в {time}",
        "yearly_n": "раз в {n} г. {day} {month} в {time}",
        "until": "до {date}",
        "rule": "по правилу {rule}",
        "and": " и ",
    },
    "ky": {
        "once": "бир жолу, {date}, саат {time}, {zone}",
        "hourly": "ар саатта, {minute}-мүнөттө",
        "hourly_n": "ар {n} саатта, {minute}-мүнөттө",
        "daily": "ар күнү саат {time}",
        "daily_n": "ар {n} күндө саат {time}",
        "weekly_one": "ар {day} саат {time}",
        "weekly": "ар аптада: {days}, саат {time}",
        "weekly_n": "ар {n} аптада: {days}, саат {time}",
        "monthly_day": "ар айдын {day}-күнү саат {time}",
        "monthly_day_n": "ар {n} айда, айдын {day}-күнү саат {time}",
        "monthly_last_day": "ар айдын акыркы күнү саат {time}",
        "monthly_weekday": "ар айдын {ordinal} {day} күнү саат {time}",
        "monthly_weekday_n": "ар {n} айда, айдын {ordinal} {day} күнү саат {time}",
        "yearly": "ар жылы {day}-{month} саат {time}",
        "yearly_n": "ар {n} жылда, {day}-{month} саат {time}",
        "until": "{date} чейин",
        "rule": "эреже боюнча: {rule}",
        "and": " жана ",
    },
}

WORDED_PARTS = frozenset({"FREQ", "INTERVAL", "BYDAY", "BYHOUR", "BYMINUTE", "BYMONTHDAY"})
"""The parts put into words; BYMONTH too, for a yearly rule on one date."""


@dataclass(frozen=True)
class _Rule:
    frequency: str
    interval: int
    days: tuple[tuple[int | None, int], ...]
    """(ordinal or None, weekday index 0..6) per BYDAY entry."""
    hour: int
    minute: int
    month_day: int | None
    month: int | None


def describe(schedule: Schedule, locale: str) -> str:
    """The schedule in words in `locale` (ky, ru or en; anything else reads as English)."""
    words = _PHRASES.get(locale, _PHRASES["en"])
    if isinstance(schedule, OneOff):
        return words["once"].format(
            date=schedule.at.date().isoformat(),
            time=schedule.at.strftime("%H:%M"),
            zone=_offset_name(schedule.at),
        )
    text = _recurring(schedule, locale, words)
    if schedule.until is not None:
        until = schedule.until.astimezone(schedule.zone)
        text += ", " + words["until"].format(date=until.strftime("%Y-%m-%d %H:%M"))
    return f"{text}, {schedule.timezone}"


def next_occurrences(schedule: Schedule, after: datetime, count: int = 5) -> list[datetime]:
    """The next `count` runs after `after` (fewer if the schedule ends), each in the schedule's
    own time zone (a one-off keeps the offset it was given)."""
    found: list[datetime] = []
    instant = after
    while len(found) < count:
        following = schedule.next_after(instant)
        if following is None:
            break
        found.append(following)
        instant = following
    if isinstance(schedule, Recurring):
        return [moment.astimezone(schedule.zone) for moment in found]
    return found


def _offset_name(moment: datetime) -> str:
    offset = moment.strftime("%z")
    return "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"


def _recurring(schedule: Recurring, locale: str, words: Mapping[str, str]) -> str:
    parsed = _parse(schedule.rule, schedule.anchor)
    if parsed is None:
        return words["rule"].format(rule=schedule.rule)
    phrase = _phrase(parsed, locale, words)
    return phrase if phrase is not None else words["rule"].format(rule=schedule.rule)


def _parse(rule: str, anchor: datetime) -> _Rule | None:
    """The rule's parts when all of them can be said in words, else None."""
    parts = {}
    for part in rule.split(";"):
        name, _, value = part.partition("=")
        parts[name.strip().upper()] = value.strip().upper()
    frequency = parts.get("FREQ", "")
    allowed = WORDED_PARTS | ({"BYMONTH"} if frequency == "YEARLY" else set())
    if set(parts) - allowed:
        return None
    try:
        interval = int(parts.get("INTERVAL", "1"))
        hour = _single(parts.get("BYHOUR")) if "BYHOUR" in parts else anchor.hour
        minute = _single(parts.get("BYMINUTE")) if "BYMINUTE" in parts else anchor.minute
        month_day = _single(parts.get("BYMONTHDAY"))
        month = _single(parts.get("BYMONTH"))
        days = (
            tuple(_weekday(entry) for entry in parts["BYDAY"].split(","))
            if "BYDAY" in parts
            else ()
        )
    except ValueError:
        return None
    if hour is None or minute is None:
        return None
    return _Rule(frequency, interval, days, hour, minute, month_day, month)


def _single(value: str | None) -> int | None:
    """One number; a list of several (`BYHOUR=9,18`) cannot be said in these phrases."""
    if value is None:
        return None
    if "," in value:
        raise ValueError(value)
    return int(value)


def _weekday(entry: str) -> tuple[int | None, int]:
    code = entry[-2:]
    ordinal = entry[:-2].lstrip("+")
    return (int(ordinal) if ordinal else None, WEEKDAYS.index(code))


def _phrase(rule: _Rule, locale: str, words: Mapping[str, str]) -> str | None:
    time = f"{rule.hour:02d}:{rule.minute:02d}"
    n = rule.interval
    suffix = "" if n == 1 else "_n"
    names = _DAY_NAMES.get(locale, _DAY_NAMES["en"])
    plain_days = [day for ordinal, day in rule.days if ordinal is None]
    if rule.frequency == "HOURLY" and not rule.days and rule.month_day is None:
        return words["hourly" + suffix].format(n=n, minute=f"{rule.minute:02d}")
    if rule.frequency == "DAILY" and not rule.days and rule.month_day is None:
        return words["daily" + suffix].format(n=n, time=time)
    if rule.frequency == "WEEKLY" and rule.month_day is None:
        return _weekly(rule, plain_days, locale, words, time)
    if rule.frequency == "MONTHLY":
        return _monthly(rule, locale, words, time, names)
    if rule.frequency == "YEARLY" and not rule.days and rule.month_day and rule.month:
        if not (1 <= rule.month_day <= 31 and 1 <= rule.month <= 12):
            return None
        month = _MONTHS.get(locale, _MONTHS["en"])[rule.month - 1]
        return words["yearly" + suffix].format(n=n, day=rule.month_day, month=month, time=time)
    return None


def _weekly(
    rule: _Rule, days: list[int], locale: str, words: Mapping[str, str], time: str
) -> str | None:
    if len(days) != len(rule.days):
        return None  # an ordinal in a weekly rule means nothing to RFC 5545 either
    if not days:
        return None  # the anchor's weekday: say it as the rule rather than guess it
    names = _DAY_NAMES.get(locale, _DAY_NAMES["en"])
    if len(days) == 1 and rule.interval == 1:
        every = _RU_EVERY[days[0]] if locale == "ru" else ""
        return words["weekly_one"].format(every=every, day=names[days[0]], time=time)
    listed = [_RU_PLURAL[day] for day in days] if locale == "ru" else [names[d] for d in days]
    joined = _join(listed, words["and"])
    suffix = "" if rule.interval == 1 else "_n"
    return words["weekly" + suffix].format(n=rule.interval, days=joined, time=time)


def _monthly(
    rule: _Rule, locale: str, words: Mapping[str, str], time: str, names: tuple[str, ...]
) -> str | None:
    suffix = "" if rule.interval == 1 else "_n"
    if rule.month_day is not None and not rule.days:
        if rule.month_day == -1 and rule.interval == 1:
            return words["monthly_last_day"].format(time=time)
        if not 1 <= rule.month_day <= 31:
            return None
        return words["monthly_day" + suffix].format(n=rule.interval, day=rule.month_day, time=time)
    if rule.month_day is None and len(rule.days) == 1 and rule.days[0][0] in _EN_ORDINAL:
        ordinal_number, day = rule.days[0]
        assert ordinal_number is not None
        if locale == "ru":
            ordinal = _RU_ORDINAL_DAY[ordinal_number][day]
        elif locale == "ky":
            ordinal = _KY_ORDINAL[ordinal_number]
        else:
            ordinal = _EN_ORDINAL[ordinal_number]
        return words["monthly_weekday" + suffix].format(
            n=rule.interval, ordinal=ordinal, day=names[day], time=time
        )
    return None


def _join(items: list[str], conjunction: str) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + conjunction + items[-1]
