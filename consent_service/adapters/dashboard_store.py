"""The console overview's reads of the registry's tables (services/dashboard.py's port)."""

from datetime import date, datetime

from sqlalchemy import func, select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.tally_store import TallyStore
from consent_service.domain.campaigns import CampaignStatus
from consent_service.services.dashboard import ScheduledCampaign

_C = orm.Campaign.__table__
_R = orm.RightsRequest.__table__


class SqlOverview:
    def __init__(self, registry: SqlRepository) -> None:
        self._registry = registry
        self._tallies = TallyStore(registry.connection)

    def people_per_purpose(self) -> dict[str, dict[str, int]]:
        return self._tallies.people_per_purpose()

    def people(self) -> int:
        return self._tallies.people()

    def changes_per_day(self, first_day: date) -> dict[date, tuple[int, int]]:
        return self._tallies.changes_per_day(first_day)

    def open_requests(self) -> tuple[int, datetime | None]:
        """By the open index (completed_at, requested_at): the open ones are its first part."""
        query = select(func.count(), func.min(_R.c.requested_at)).where(_R.c.completed_at.is_(None))
        count, oldest = self._registry.connection.execute(query).one()
        return int(count), oldest

    def requests_due(self, today: date, soon_until: date) -> tuple[int, int]:
        """By the due index (completed_at, due_on): two counts over the open ones."""
        open_ = _R.c.completed_at.is_(None)
        overdue = select(func.count()).where(open_, _R.c.due_on < today).scalar_subquery()
        soon = (
            select(func.count())
            .where(open_, _R.c.due_on >= today, _R.c.due_on <= soon_until)
            .scalar_subquery()
        )
        late, near = self._registry.connection.execute(select(overdue, soon)).one()
        return int(late), int(near)

    def outbox_lag(self) -> tuple[int, datetime | None]:
        return self._registry.relay.outbox_lag()

    def next_scheduled(self, limit: int) -> list[ScheduledCampaign]:
        """By the campaigns' due index (status, next_run_at)."""
        query = (
            select(_C.c.id, _C.c.name, _C.c.purpose, _C.c.next_run_at)
            .where(_C.c.status == CampaignStatus.SCHEDULED, _C.c.next_run_at.is_not(None))
            .order_by(_C.c.next_run_at, _C.c.id)
            .limit(limit)
        )
        return [ScheduledCampaign(*row) for row in self._registry.connection.execute(query)]
