"""When a campaign runs: once at an instant, or by an RFC 5545 recurrence rule in a time zone.

A recurring rule is evaluated in local wall-clock time and each occurrence is then placed in
the zone, so "every Monday at 09:00 in Europe/Berlin" stays 09:00 on both sides of a DST
change. A local time that does not exist (inside the spring gap) is read with the offset
before the gap, i.e. shifted forward by the gap, as RFC 5545 section 3.3.5 says; a local time
that occurs twice (the autumn fold) runs once, at its first occurrence.

The rule is anchored (its DTSTART) at 00:00 local time on the day the campaign was created:
parts the rule leaves out (the minute of an hourly rule, the weekday of a weekly one) come
from that anchor, so they are midnight and the creation day rather than the second of the
request. That is also why a rule may not carry its own DTSTART.

Decisions and alternatives: docs/decisions/0007-campaign-schedules.md.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from dateutil.rrule import rrule, rrulestr

from consent_service.domain.errors import DomainError

ALLOWED_FREQUENCIES = frozenset({"HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
ALLOWED_PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "BYMINUTE",
        "BYHOUR",
        "BYDAY",
        "BYMONTHDAY",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYMONTH",
        "BYSETPOS",
        "WKST",
    }
)
REFUSED_PARTS = {
    "DTSTART": "the rule may not carry DTSTART; it starts on the day the campaign is created",
    "UNTIL": "give the end as the schedule's 'until' field, an aware ISO datetime",
    "COUNT": "COUNT is not supported; end a schedule with 'until'",
    "BYSECOND": "campaigns are scheduled to the minute; BYSECOND is not supported",
}
HORIZON = timedelta(days=100 * 366)
"""How far ahead a schedule's `at` or `until` may be: more than any campaign plans, and far
from the end of the calendar (year 9999), where placing an instant in a zone or adding the
day of slack below would overflow."""
# Wall-clock time and UTC differ by at most a day, and a DST gap is at most a few hours:
# iterating local occurrences from this far before an instant never misses one after it.
_SLACK = timedelta(days=1)
_GAP = timedelta(hours=3)


class ScheduleError(DomainError):
    """The schedule is refused; `field` is the schedule's field at fault (`rrule`, `at`...)."""


@dataclass(frozen=True)
class OneOff:
    """Runs once, at `at`."""

    at: datetime

    def next_after(self, instant: datetime) -> datetime | None:
        return self.at if self.at > instant else None

    def between(self, start: datetime, end: datetime) -> list[datetime]:
        return [self.at] if start <= self.at <= end else []

    def to_json(self) -> dict[str, str]:
        return {"at": self.at.isoformat()}


@dataclass(frozen=True)
class Recurring:
    """Runs at every occurrence of `rule` in `timezone`, up to `until` if given."""

    rule: str
    timezone: str
    anchor: datetime
    """Naive local wall-clock time the rule starts from (see the module docstring)."""
    until: datetime | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _wall(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone).replace(tzinfo=None)

    def _rule(self) -> rrule:
        parsed = rrulestr(self.rule, dtstart=self.anchor)
        # `check_rule` admits the parts of one RRULE only, never RDATE or EXRULE: no rruleset.
        assert isinstance(parsed, rrule)
        if self.until is None:
            return parsed
        return parsed.replace(until=self._wall(self.until) + _SLACK)

    def _instants(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """(local, instant) of the occurrences from about `start` on, in local order."""
        for local in self._rule().xafter(self._wall(start) - _SLACK, inc=True):
            # In UTC at once: aware datetimes sharing a tzinfo compare by wall clock.
            instant = local.replace(tzinfo=self.zone).astimezone(UTC)
            if self.until is None or instant <= self.until:
                yield local, instant

    def next_after(self, instant: datetime) -> datetime | None:
        """The first occurrence strictly after `instant`, or None when the rule has ended.

        Around a spring gap local order and instant order can differ by up to the gap, so
        the occurrences a few hours past the first candidate are compared too.
        """
        best: tuple[datetime, datetime] | None = None
        for local, candidate in self._instants(instant):
            if best is not None and local > best[0] + _GAP:
                break
            if candidate > instant and (best is None or candidate < best[1]):
                best = (local, candidate)
        return best[1] if best else None

    def between(self, start: datetime, end: datetime) -> list[datetime]:
        """Every occurrence in [start, end], oldest first."""
        found, last_local = set(), self._wall(end) + _GAP
        for local, candidate in self._instants(start):
            if local > last_local:
                break
            if start <= candidate <= end:
                found.add(candidate)
        return sorted(found)

    def to_json(self) -> dict[str, str]:
        body = {"rrule": self.rule, "timezone": self.timezone}
        if self.until is not None:
            body["until"] = self.until.isoformat()
        return body


Schedule = OneOff | Recurring


@dataclass(frozen=True)
class DueRun:
    """What the scheduler does with a campaign whose `next_run_at` has come.

    `run_for` is the occurrence to run now (None if none may run), `missed` how many
    occurrences are skipped, `next_run_at` the first occurrence after now (None: no more).
    """

    run_for: datetime | None
    missed: int
    next_run_at: datetime | None


def due_run(schedule: Schedule, due_at: datetime, now: datetime, grace: timedelta) -> DueRun:
    """Apply the missed-run rule to the occurrences from `due_at` to `now`.

    Only the latest of them runs, and only if it is at most `grace` old: a scheduler that was
    down for a week sends one newsletter, not seven, and none at all if even the latest is
    stale. The others are counted as missed.
    """
    occurrences = schedule.between(due_at, now) or [due_at]
    latest = occurrences[-1]
    run_for = latest if now - latest <= grace else None
    missed = len(occurrences) - (1 if run_for is not None else 0)
    return DueRun(run_for=run_for, missed=missed, next_run_at=schedule.next_after(now))


def anchor_of(created_at: datetime, timezone: str) -> datetime:
    """Midnight, local wall-clock time, of the day a campaign was created in its zone."""
    local = created_at.astimezone(ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)


def schedule_from_json(stored: Mapping[str, str], created_at: datetime) -> Schedule:
    """The schedule kept with a campaign (as `to_json` wrote it), for evaluation."""
    if "at" in stored:
        return OneOff(datetime.fromisoformat(stored["at"]))
    until = stored.get("until")
    return Recurring(
        rule=stored["rrule"],
        timezone=stored["timezone"],
        anchor=anchor_of(created_at, stored["timezone"]),
        until=datetime.fromisoformat(until) if until else None,
    )


def parse_schedule(raw: Mapping[str, object], now: datetime) -> tuple[Schedule, datetime]:
    """A new campaign's schedule and its first occurrence, or the ScheduleError saying why not.

    `raw` holds `at`, or `rrule` with `timezone` and optionally `until`; datetimes are
    already aware (the API schema parsed them).
    """
    has_at, has_rule = raw.get("at") is not None, raw.get("rrule") is not None
    if has_at == has_rule:
        raise ScheduleError("Give either 'at' or 'rrule' (with 'timezone').", field="_schema")
    schedule: Schedule
    if has_at:
        if raw.get("timezone") is not None or raw.get("until") is not None:
            field = "timezone" if raw.get("timezone") is not None else "until"
            raise ScheduleError(f"'{field}' belongs to a recurring schedule.", field=field)
        schedule = OneOff(_aware(raw["at"], "at", now))
        return schedule, schedule.at
    rule = str(raw["rrule"]).strip()
    timezone = _timezone(raw.get("timezone"))
    until = _aware(raw["until"], "until", now) if raw.get("until") is not None else None
    check_rule(rule)
    schedule = Recurring(rule, timezone, anchor_of(now, timezone), until)
    first = schedule.next_after(now)
    if first is None:
        if until is not None and Recurring(rule, timezone, schedule.anchor).next_after(now):
            raise ScheduleError("The rule has no occurrence before 'until'.", field="until")
        raise ScheduleError("The rule has no occurrence in the future.", field="rrule")
    return schedule, first


def _aware(value: object, field: str, now: datetime) -> datetime:
    """`value` if it is an aware instant after now and at most HORIZON ahead."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ScheduleError("An ISO datetime with a UTC offset is required.", field=field)
    if value <= now:
        raise ScheduleError(f"'{field}' is in the past.", field=field)
    if value - now > HORIZON:
        raise ScheduleError(f"'{field}' is more than 100 years ahead.", field=field)
    return value


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _timezone(value: object) -> str:
    if value is None:
        raise ScheduleError("A recurring schedule needs an IANA time zone.", field="timezone")
    if not isinstance(value, str) or value not in _zones():
        raise ScheduleError(f"Unknown time zone {value!r}; use an IANA name.", field="timezone")
    return value


def check_rule(rule: str) -> None:
    """Refuse what the scheduler cannot honour: sub-hourly rules, DTSTART, malformed text."""
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        name, sep, value = part.partition("=")
        name = name.strip().upper()
        if not sep or not name or not value.strip():
            raise _rule_error(f"Malformed rule part {part!r}; expected NAME=VALUE")
        if name in REFUSED_PARTS:
            raise _rule_error(REFUSED_PARTS[name])
        if name not in ALLOWED_PARTS:
            raise _rule_error(f"Unknown rule part {name!r}")
        parts[name] = value.strip().upper()
    frequency = parts.get("FREQ")
    if frequency in ("SECONDLY", "MINUTELY"):
        raise _rule_error(f"FREQ={frequency} is too frequent; HOURLY is the least")
    if frequency not in ALLOWED_FREQUENCIES:
        raise _rule_error(f"FREQ must be one of {', '.join(sorted(ALLOWED_FREQUENCIES))}")
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or int(interval) < 1:
        raise _rule_error("INTERVAL must be a positive whole number")
    try:
        rrulestr(rule, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as error:
        raise _rule_error(f"Unparsable rule: {error}") from None


def _rule_error(message: str) -> ScheduleError:
    return ScheduleError(message + ".", field="rrule")
