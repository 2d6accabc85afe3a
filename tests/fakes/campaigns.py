"""Campaigns and their runs in memory: the `Campaigns` port over the fake's `Tables`."""

import dataclasses
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from consent_service.domain.campaigns import (
    UNFINISHED_RUN_STATUSES,
    CampaignStatus,
    RunState,
    RunStatus,
)
from consent_service.domain.consent import ConsentStatus
from consent_service.domain.layouts import Layout
from consent_service.services.ports.campaigns import CampaignRow, RunRow
from consent_service.services.ports.outbox import Outbox, OutboxRow
from tests.fakes.tables import Tables


class FakeCampaigns:
    def __init__(self, tables: Tables, outbox: Outbox) -> None:
        self.tables = tables
        self.outbox = outbox

    def layout(self, layout_id: uuid.UUID) -> Layout | None:
        return self.tables.layouts.get(layout_id)

    def add_campaign(self, campaign: CampaignRow) -> None:
        self.tables.campaigns[campaign.id] = dataclasses.replace(campaign)

    def campaign(self, campaign_id: uuid.UUID, *, for_update: bool = False) -> CampaignRow | None:
        found = self.tables.campaigns.get(campaign_id)
        return dataclasses.replace(found) if found else None

    def campaigns(self, status: CampaignStatus | None = None) -> list[CampaignRow]:
        listed = [
            dataclasses.replace(c)
            for c in self.tables.campaigns.values()
            if status is None or c.status == status.value
        ]
        return sorted(listed, key=lambda c: (-c.created_at.timestamp(), c.id))

    def update_campaign(self, campaign_id: uuid.UUID, **values: Any) -> None:
        stored = self.tables.campaigns[campaign_id]
        self.tables.campaigns[campaign_id] = dataclasses.replace(stored, **values)

    def recipients_by_locale(self, purpose: str, locales: Iterable[str]) -> dict[str, int]:
        wanted, counts = set(locales), {}
        for subject_id, stored in self.tables.subjects.items():
            consent = self.tables.consents.get(subject_id, {}).get(purpose)
            if (
                stored.erased_at is None
                and stored.row.email is not None
                and stored.row.locale in wanted
                and consent is not None
                and consent.status == ConsentStatus.GRANTED.value
            ):
                counts[stored.row.locale] = counts.get(stored.row.locale, 0) + 1
        return counts

    def due_campaigns(self, now: datetime, limit: int) -> list[CampaignRow]:
        due = [
            dataclasses.replace(c)
            for c in self.tables.campaigns.values()
            if c.status == CampaignStatus.SCHEDULED.value
            and c.next_run_at is not None
            and c.next_run_at <= now
        ]
        return sorted(due, key=lambda c: c.next_run_at)[:limit]

    def add_run(self, run: RunRow) -> bool:
        occurrence = (run.campaign_id, run.scheduled_for)
        if run.scheduled_for is not None and any(
            (r.campaign_id, r.scheduled_for) == occurrence for r in self.tables.runs.values()
        ):
            return False
        self.tables.runs[run.id] = dataclasses.replace(run)
        return True

    def run(self, run_id: uuid.UUID, *, for_update: bool = False) -> RunRow | None:
        found = self.tables.runs.get(run_id)
        return dataclasses.replace(found) if found else None

    def runs_of(self, campaign_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[RunRow]]:
        found: dict[uuid.UUID, list[RunRow]] = {campaign_id: [] for campaign_id in campaign_ids}
        for run in sorted(self.tables.runs.values(), key=lambda r: r.created_at, reverse=True):
            if run.campaign_id in found:
                found[run.campaign_id].append(dataclasses.replace(run))
        return found

    def save_run_state(self, run_id: uuid.UUID, state: RunState) -> None:
        self.tables.runs[run_id] = dataclasses.replace(self.tables.runs[run_id], state=state)

    def unfinished_runs(self, campaign_id: uuid.UUID) -> int:
        return len(self._unfinished(campaign_id))

    def cancel_unfinished_runs(self, campaign_id: uuid.UUID, now: datetime, reason: str) -> int:
        unfinished = self._unfinished(campaign_id)
        for run in unfinished:
            state = dataclasses.replace(
                run.state, status=RunStatus.CANCELLED, finished_at=now, reason=reason
            )
            self.tables.runs[run.id] = dataclasses.replace(run, state=state)
        return len(unfinished)

    def add_outbox(self, messages: list[OutboxRow]) -> None:
        self.outbox.add_outbox(messages)

    def _unfinished(self, campaign_id: uuid.UUID) -> list[RunRow]:
        return [
            run
            for run in self.tables.runs.values()
            if run.campaign_id == campaign_id and run.state.status in UNFINISHED_RUN_STATUSES
        ]
