"""The console overview's reads (services/dashboard.py's `OverviewStore`) over `Tables`."""

from datetime import date, datetime

from consent_service.domain.campaigns import CampaignStatus
from consent_service.services.dashboard import ScheduledCampaign
from tests.fakes.stores import FakeTallies


class FakeOverview(FakeTallies):
    def outbox_lag(self) -> tuple[int, datetime | None]:
        unsent = [row["created_at"] for row in self.tables.outbox if row["sent_at"] is None]
        return len(unsent), min(unsent, default=None)

    def next_scheduled(self, limit: int) -> list[ScheduledCampaign]:
        due = sorted(
            (c.next_run_at, c.id, c.name, c.purpose)
            for c in self.tables.campaigns.values()
            if c.status == CampaignStatus.SCHEDULED and c.next_run_at is not None
        )
        return [ScheduledCampaign(i, name, purpose, at) for at, i, name, purpose in due[:limit]]

    def open_requests(self) -> tuple[int, datetime | None]:
        received = [r.requested_at for r in self.tables.rights_requests if r.completed_at is None]
        return len(received), min(received, default=None)

    def requests_due(self, today: date, soon_until: date) -> tuple[int, int]:
        due = [r.due_on for r in self.tables.rights_requests if r.completed_at is None and r.due_on]
        return sum(d < today for d in due), sum(today <= d <= soon_until for d in due)
