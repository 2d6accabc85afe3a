"""Reads and writes of campaigns and their runs; the caller owns the transaction.

Campaign rows are locked (`FOR UPDATE`) before their runs are touched, by every writer, so
two writers of one campaign never wait for each other in a cycle. On SQLite the lock clause
compiles to nothing; every write transaction there begins with BEGIN IMMEDIATE instead.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from consent_service.adapters import orm
from consent_service.adapters.layout_store import LayoutStore
from consent_service.domain.campaigns import (
    UNFINISHED_RUN_STATUSES,
    CampaignStatus,
    RunCounts,
    RunState,
    RunStatus,
)
from consent_service.domain.consent import ConsentStatus
from consent_service.domain.layouts import Layout
from consent_service.services.ports.campaigns import CampaignRow, RunRow
from consent_service.services.ports.outbox import Outbox, OutboxRow

_CAMPAIGNS, _RUNS = orm.Campaign.__table__, orm.CampaignRun.__table__
_COUNT_FIELDS = list(RunCounts.__dataclass_fields__)


_CAMPAIGN_FIELDS = list(CampaignRow.__dataclass_fields__)


def _campaign(row: Any) -> CampaignRow:
    return CampaignRow(**{f: row._mapping[f] for f in _CAMPAIGN_FIELDS})


def _run(row: Any) -> RunRow:
    values = row._mapping
    return RunRow(
        id=values["id"],
        campaign_id=values["campaign_id"],
        trigger=values["trigger"],
        scheduled_for=values["scheduled_for"],
        created_at=values["created_at"],
        state=RunState(
            status=RunStatus(values["status"]),
            counts=RunCounts(**{f: values[f] for f in _COUNT_FIELDS}),
            report_sequence=values["report_sequence"],
            started_at=values["started_at"],
            finished_at=values["finished_at"],
            reason=values["reason"],
        ),
    )


class CampaignStore:
    """The `Campaigns` port over one session; its messages go to `outbox`, the repository's
    outbox on the same session, so they commit with the rows they announce."""

    def __init__(self, session: Session, outbox: Outbox) -> None:
        self.session = session
        self.outbox = outbox

    # campaigns
    def layout(self, layout_id: uuid.UUID) -> Layout | None:
        return LayoutStore(self.session.connection()).layout(layout_id)

    def add_campaign(self, campaign: CampaignRow) -> None:
        values = {f: getattr(campaign, f) for f in _CAMPAIGN_FIELDS}
        self.session.execute(insert(_CAMPAIGNS).values(**values))

    def campaign(self, campaign_id: uuid.UUID, *, for_update: bool = False) -> CampaignRow | None:
        query = select(_CAMPAIGNS).where(_CAMPAIGNS.c.id == campaign_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        return _campaign(row) if row else None

    def campaigns(self, status: CampaignStatus | None = None) -> list[CampaignRow]:
        """Newest first."""
        query = select(_CAMPAIGNS).order_by(_CAMPAIGNS.c.created_at.desc(), _CAMPAIGNS.c.id)
        if status is not None:
            query = query.where(_CAMPAIGNS.c.status == status.value)
        return [_campaign(row) for row in self.session.execute(query)]

    def update_campaign(self, campaign_id: uuid.UUID, **values: Any) -> None:
        self.session.execute(
            update(_CAMPAIGNS).where(_CAMPAIGNS.c.id == campaign_id).values(**values)
        )

    def recipients_by_locale(self, purpose: str, locales: Iterable[str]) -> dict[str, int]:
        """How many people who have granted `purpose` and can be emailed use each of
        `locales` (only those: one grouped count, none at all for no locales)."""
        wanted = list(locales)
        if not wanted:
            return {}
        subjects, consents = orm.Subject, orm.Consent
        query = (
            select(subjects.locale, func.count())
            .join(consents, consents.subject_id == subjects.id)
            .where(
                consents.purpose == purpose,
                consents.status == ConsentStatus.GRANTED.value,
                subjects.locale.in_(wanted),
                subjects.email.is_not(None),
                subjects.erased_at.is_(None),
            )
            .group_by(subjects.locale)
        )
        return dict(self.session.execute(query).all())

    def due_campaigns(self, now: datetime, limit: int) -> list[CampaignRow]:
        """Scheduled campaigns whose next run has come, locked; other schedulers skip them."""
        query = (
            select(_CAMPAIGNS)
            .where(
                _CAMPAIGNS.c.status == CampaignStatus.SCHEDULED.value,
                _CAMPAIGNS.c.next_run_at <= now,
            )
            .order_by(_CAMPAIGNS.c.next_run_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_campaign(row) for row in self.session.execute(query)]

    # runs
    def add_run(self, run: RunRow) -> bool:
        """Insert a run; False (and nothing written) if its occurrence already has one.

        The unique key on (campaign, scheduled_for) is what makes a scheduled run happen once,
        whatever the schedulers do; manual runs have no occurrence and never collide.
        """
        values = {
            "id": run.id,
            "campaign_id": run.campaign_id,
            "trigger": run.trigger,
            "scheduled_for": run.scheduled_for,
            "created_at": run.created_at,
            **_state_values(run.state),
        }
        dialect = self.session.get_bind().dialect.name
        builder = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
        statement = builder(_RUNS).values(**values).on_conflict_do_nothing().returning(_RUNS.c.id)
        return self.session.execute(statement).first() is not None

    def run(self, run_id: uuid.UUID, *, for_update: bool = False) -> RunRow | None:
        query = select(_RUNS).where(_RUNS.c.id == run_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        return _run(row) if row else None

    def runs_of(self, campaign_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[RunRow]]:
        """Each campaign's runs, newest first."""
        wanted = list(campaign_ids)
        found: dict[uuid.UUID, list[RunRow]] = {campaign_id: [] for campaign_id in wanted}
        if not wanted:
            return found
        query = (
            select(_RUNS)
            .where(_RUNS.c.campaign_id.in_(wanted))
            .order_by(_RUNS.c.created_at.desc(), _RUNS.c.id)
        )
        for row in self.session.execute(query):
            found[row.campaign_id].append(_run(row))
        return found

    def save_run_state(self, run_id: uuid.UUID, state: RunState) -> None:
        self.session.execute(
            update(_RUNS).where(_RUNS.c.id == run_id).values(**_state_values(state))
        )

    def unfinished_runs(self, campaign_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            _RUNS.c.campaign_id == campaign_id,
            _RUNS.c.status.in_([s.value for s in UNFINISHED_RUN_STATUSES]),
        )
        return self.session.execute(query).scalar_one()

    def cancel_unfinished_runs(self, campaign_id: uuid.UUID, now: datetime, reason: str) -> int:
        """Ended runs keep their status; the others become `cancelled`."""
        result = self.session.execute(
            update(_RUNS)
            .where(
                _RUNS.c.campaign_id == campaign_id,
                _RUNS.c.status.in_([s.value for s in UNFINISHED_RUN_STATUSES]),
            )
            .values(status=RunStatus.CANCELLED.value, finished_at=now, reason=reason)
        )
        return result.rowcount or 0

    # outbox
    def add_outbox(self, messages: list[OutboxRow]) -> None:
        self.outbox.add_outbox(messages)


def _state_values(state: RunState) -> dict[str, Any]:
    return {
        "status": state.status.value,
        "report_sequence": state.report_sequence,
        "started_at": state.started_at,
        "finished_at": state.finished_at,
        "reason": state.reason,
        **{f: getattr(state.counts, f) for f in _COUNT_FIELDS},
    }
