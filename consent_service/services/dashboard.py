"""The console's overview: who holds which consent, how that moved over the last days, how
the pipeline is doing, which campaigns are sent next, and which requests wait for an answer.

Each figure is a read of a few rows: the running counts kept with every consent change
(domain/tallies.py), the outbox's unsent index, the campaigns' due index, the rights
requests' open index. None counts people or consents, so the overview answers as fast for a
million people as for ten (bench/console_dashboard.py).
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from consent_service.domain.consent import ConsentStatus
from consent_service.domain.rights_requests import due_soon_until
from consent_service.domain.tallies import DayCount, last_days, local_day
from consent_service.services.ports.tallies import TallyReads
from consent_service.services.status import OutboxLag

NEXT_RUNS = 5
CHART_DAYS = 30


@dataclass(frozen=True)
class ScheduledCampaign:
    id: uuid.UUID
    name: str
    purpose: str
    next_run_at: datetime


class OverviewStore(TallyReads, Protocol):
    def outbox_lag(self) -> tuple[int, datetime | None]:
        """How many messages wait to be published, and since when the oldest waits."""
        ...

    def next_scheduled(self, limit: int) -> list[ScheduledCampaign]:
        """The scheduled campaigns whose next run comes first, soonest first."""
        ...

    def open_requests(self) -> tuple[int, datetime | None]:
        """How many rights requests wait for an answer, and when the oldest was received."""
        ...

    def requests_due(self, today: date, soon_until: date) -> tuple[int, int]:
        """Of the open requests: how many were due before `today` (overdue), and how many are
        due from `today` to `soon_until`, both included (due soon)."""
        ...


@dataclass(frozen=True)
class Pipeline:
    lag: OutboxLag
    broker: str
    """`ok`, `unreachable`, or why publishing was refused (adapters/broker.py)."""


def pipeline(store: OverviewStore, broker_state: Callable[[], str], now: datetime) -> Pipeline:
    unsent, oldest = store.outbox_lag()
    age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return Pipeline(OutboxLag(unsent, age), broker_state())


def next_runs(store: OverviewStore, limit: int = NEXT_RUNS) -> list[ScheduledCampaign]:
    return store.next_scheduled(limit)


@dataclass(frozen=True)
class PurposePeople:
    """How many people hold a purpose in each status; `never_asked` hold none of them."""

    purpose: str
    granted: int
    pending: int
    withdrawn: int
    never_asked: int


_STATUSES = (ConsentStatus.GRANTED, ConsentStatus.PENDING, ConsentStatus.WITHDRAWN)


def people(store: OverviewStore, purposes: Iterable[str]) -> list[PurposePeople]:
    """Every purpose given, in that order, then any other the counts know (a purpose taken
    out of the catalogue that people still hold)."""
    counted = store.people_per_purpose()
    everyone = store.people()
    listed = list(purposes)
    listed += sorted(p for p in counted if p not in listed)
    found = []
    for purpose in listed:
        held = counted.get(purpose, {})
        granted, pending, withdrawn = (held.get(s.value, 0) for s in _STATUSES)
        asked = granted + pending + withdrawn
        found.append(PurposePeople(purpose, granted, pending, withdrawn, max(everyone - asked, 0)))
    return found


def changes_per_day(store: OverviewStore, now: datetime, days: int = CHART_DAYS) -> list[DayCount]:
    """Sign-ups and withdrawals on each of the last `days` days, today included."""
    today = local_day(now)
    first: date = today - timedelta(days=days - 1)
    return last_days(store.changes_per_day(first), today, days)


@dataclass(frozen=True)
class OpenRequests:
    count: int
    oldest_received_at: datetime | None
    overdue: int = 0
    due_soon: int = 0


def open_requests(store: OverviewStore, now: datetime) -> OpenRequests:
    """The open requests, with how many are past their due day or close to it (the due days
    are counted in the shop's day, domain/rights_requests.py)."""
    today = local_day(now)
    overdue, soon = store.requests_due(today, due_soon_until(today))
    return OpenRequests(*store.open_requests(), overdue=overdue, due_soon=soon)
