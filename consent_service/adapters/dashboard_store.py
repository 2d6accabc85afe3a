"""The console overview's reads of the registry's tables (services/dashboard.py's port)."""

from datetime import datetime

from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.domain.campaigns import CampaignStatus
from consent_service.services.dashboard import ScheduledCampaign

_C = orm.Campaign.__table__


class SqlOverview:
    def __init__(self, registry: SqlRepository) -> None:
        self._registry = registry

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
