"""The console's overview: how the pipeline is doing, and which campaigns are sent next.

Each figure is one indexed read (the outbox's unsent index, the campaigns' due index), so the
overview stays fast however many people the registry holds. More of the dashboard (people per
purpose, sign-ups per day, requests due) joins here later.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from consent_service.services.status import OutboxLag

NEXT_RUNS = 5


@dataclass(frozen=True)
class ScheduledCampaign:
    id: uuid.UUID
    name: str
    purpose: str
    next_run_at: datetime


class OverviewStore(Protocol):
    def outbox_lag(self) -> tuple[int, datetime | None]:
        """How many messages wait to be published, and since when the oldest waits."""
        ...

    def next_scheduled(self, limit: int) -> list[ScheduledCampaign]:
        """The scheduled campaigns whose next run comes first, soonest first."""
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
