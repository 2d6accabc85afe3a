"""Campaigns and their runs, and the outbox their lifecycle messages go to.

Every writer of a campaign locks it (`for_update`) before touching its runs, so two writers of
one campaign never wait for each other in a cycle.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from consent_service.domain.campaigns import CampaignStatus, RunState
from consent_service.domain.layouts import Layout
from consent_service.services.ports.outbox import Outbox


@dataclass
class CampaignRow:
    id: uuid.UUID
    name: str
    purpose: str
    content: dict[str, Any]
    schedule: dict[str, Any]
    default_locale: str
    status: str
    next_run_at: datetime | None
    control_version: int
    created_at: datetime
    updated_at: datetime
    layout_id: uuid.UUID | None = None
    """The layout its emails are sent inside; None: the default layout (brand settings)."""


@dataclass
class RunRow:
    id: uuid.UUID
    campaign_id: uuid.UUID
    trigger: str
    scheduled_for: datetime | None
    created_at: datetime
    state: RunState


class Campaigns(Outbox, Protocol):
    def add_campaign(self, campaign: CampaignRow) -> None: ...

    def campaign(
        self, campaign_id: uuid.UUID, *, for_update: bool = False
    ) -> CampaignRow | None: ...

    def campaigns(self, status: CampaignStatus | None = None) -> list[CampaignRow]:
        """Newest first."""
        ...

    def update_campaign(self, campaign_id: uuid.UUID, **values: Any) -> None: ...

    def layout(self, layout_id: uuid.UUID) -> Layout | None:
        """A layout a campaign names: checked on create, carried by each run's message."""
        ...

    def recipients_by_locale(self, purpose: str, locales: Iterable[str]) -> dict[str, int]:
        """How many people who granted `purpose` and can be emailed use each of `locales`."""
        ...

    def due_campaigns(self, now: datetime, limit: int) -> list[CampaignRow]:
        """Scheduled campaigns whose next run has come, locked; other schedulers skip them."""
        ...

    def add_run(self, run: RunRow) -> bool:
        """Insert a run; False (and nothing written) if its occurrence already has one."""
        ...

    def run(self, run_id: uuid.UUID, *, for_update: bool = False) -> RunRow | None: ...

    def runs_of(self, campaign_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[RunRow]]:
        """Each campaign's runs, newest first."""
        ...

    def save_run_state(self, run_id: uuid.UUID, state: RunState) -> None: ...

    def unfinished_runs(self, campaign_id: uuid.UUID) -> int: ...

    def cancel_unfinished_runs(self, campaign_id: uuid.UUID, now: datetime, reason: str) -> int:
        """Ended runs keep their status; the others become `cancelled`."""
        ...
