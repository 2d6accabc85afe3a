"""Running counts of consents, kept with every change so the console never counts rows.

Two tallies: how many people hold each purpose in each status now (and how many people
there are, under `EVERYONE`), and how many signed up to and withdrew from each purpose on
each day. Both are sums of deltas: every consent change
adds its own (one person leaves a status and enters another; a sign-up or a withdrawal is
counted on its day), and an erasure takes the erased person's consents away. Kept in the
same transaction as the change, a tally is as right as the rows it counts, at the cost of
one small upsert per written batch (docs/decisions/0033-dashboard-counters.md).

A sign-up is a move into `granted` (first time, confirmed, or back after a withdrawal); a
withdrawal is a move from `granted` to `withdrawn`. A "no" given before any yes, or a
pending consent that expired, is not a withdrawal: nobody left who had joined. Erasing a
person does not change past days: they did sign up or withdraw on those days.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from consent_service.domain.consent import ConsentStatus

DAY_ZONE = ZoneInfo("Asia/Bishkek")
"""Days are the shop's days, as the console shows every time (BABEL_DEFAULT_TIMEZONE)."""

GRANTED = ConsentStatus.GRANTED.value
WITHDRAWN = ConsentStatus.WITHDRAWN.value
EVERYONE = ("*", "subjects")
"""The key counting every person not erased: what "never asked" is the rest of."""


def local_day(moment: datetime) -> date:
    return moment.astimezone(DAY_ZONE).date()


@dataclass
class DayDelta:
    grants: int = 0
    withdrawals: int = 0


@dataclass
class ConsentTally:
    """The deltas of one written batch: per (purpose, status), and per (day, purpose)."""

    per_status: Counter[tuple[str, str]] = field(default_factory=Counter)
    per_day: dict[tuple[date, str], DayDelta] = field(default_factory=dict)

    def change(self, purpose: str, previous: str | None, status: str, at: datetime) -> None:
        """One purpose of one person moved from `previous` (None: never asked) to `status`."""
        if previous == status:
            return
        if previous is not None:
            self.per_status[purpose, previous] -= 1
        self.per_status[purpose, status] += 1
        if status == GRANTED:
            self._day(at, purpose).grants += 1
        elif status == WITHDRAWN and previous == GRANTED:
            self._day(at, purpose).withdrawals += 1

    def drop(self, purpose: str, status: str) -> None:
        """A consent removed with its person (erasure)."""
        self.per_status[purpose, status] -= 1

    def arrive(self) -> None:
        """A person's first ledger entry: one more person."""
        self.per_status[EVERYONE] += 1

    def leave(self) -> None:
        """A person erased: one fewer."""
        self.per_status[EVERYONE] -= 1

    def _day(self, at: datetime, purpose: str) -> DayDelta:
        return self.per_day.setdefault((local_day(at), purpose), DayDelta())

    def status_deltas(self) -> dict[tuple[str, str], int]:
        """The non-zero deltas, in key order: the order rows are locked in, always the same,
        so two writers never wait on each other in a circle."""
        return {key: n for key, n in sorted(self.per_status.items()) if n}

    def day_deltas(self) -> dict[tuple[date, str], DayDelta]:
        return {
            key: delta
            for key, delta in sorted(self.per_day.items())
            if delta.grants or delta.withdrawals
        }

    def __bool__(self) -> bool:
        return bool(self.status_deltas() or self.day_deltas())


@dataclass(frozen=True)
class DayCount:
    day: date
    grants: int
    withdrawals: int


def last_days(counted: dict[date, tuple[int, int]], today: date, days: int) -> list[DayCount]:
    """Every one of the `days` days up to `today`, oldest first, a quiet day as zeros."""
    span = [today - timedelta(days=back) for back in range(days - 1, -1, -1)]
    return [DayCount(day, *counted.get(day, (0, 0))) for day in span]
