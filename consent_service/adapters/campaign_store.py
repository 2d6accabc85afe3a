"""Reads and writes of campaigns and their runs; the caller owns the transaction.

Campaign rows are locked (`FOR UPDATE`) before their runs are touched, by every writer, so
two writers of one campaign never wait for each other in a cycle. On SQLite the lock clause
compiles to nothing; every write transaction there begins with BEGIN IMMEDIATE instead.
"""

import uuid
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
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
from plumbing.db import changed_rows, insert_on_conflict

_CAMPAIGNS, _RUNS = orm.Campaign.__table__, orm.CampaignRun.__table__
_TESTS, _STAFF = orm.CampaignTestSend.__table__, orm.StaffUser.__table__
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
        retry_of=values["retry_of"],
        state=RunState(
            status=RunStatus(values["status"]),
            counts=RunCounts(**{f: values[f] for f in _COUNT_FIELDS}),
            report_sequence=values["report_sequence"],
            started_at=values["started_at"],
            finished_at=values["finished_at"],
            reason=values["reason"],
            by_locale=_by_locale(values["by_locale"]),
        ),
    )


def _by_locale(stored: dict[str, Any] | None) -> dict[str, RunCounts] | None:
    if stored is None:
        return None
    return {locale: RunCounts(**counts) for locale, counts in stored.items()}


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
            "retry_of": run.retry_of,
            **_state_values(run.state),
        }
        dialect = self.session.get_bind().dialect.name
        statement = (
            insert_on_conflict(dialect, _RUNS)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(_RUNS.c.id)
        )
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
        statement = (
            update(_RUNS)
            .where(
                _RUNS.c.campaign_id == campaign_id,
                _RUNS.c.status.in_([s.value for s in UNFINISHED_RUN_STATUSES]),
            )
            .values(status=RunStatus.CANCELLED.value, finished_at=now, reason=reason)
        )
        return changed_rows(self.session, statement) or 0

    def retried(self, run_id: uuid.UUID) -> bool:
        query = select(_RUNS.c.id).where(_RUNS.c.retry_of == run_id)
        return self.session.execute(query).first() is not None

    # test sends
    def test_sends_since(
        self, campaign_id: uuid.UUID, actor: str, since: datetime
    ) -> list[datetime]:
        query = (
            select(_TESTS.c.sent_at)
            .where(
                _TESTS.c.campaign_id == campaign_id,
                _TESTS.c.actor == actor,
                _TESTS.c.sent_at > since,
            )
            .order_by(_TESTS.c.sent_at)
        )
        return list(self.session.execute(query).scalars())

    def add_test_send(
        self, campaign_id: uuid.UUID, actor: str, recipients: int, now: datetime
    ) -> None:
        self.session.execute(
            insert(_TESTS).values(
                campaign_id=campaign_id, actor=actor, recipients=recipients, sent_at=now
            )
        )

    def active_staff_among(self, addresses: Iterable[str]) -> set[str]:
        """Those of `addresses` a member of staff who is not disabled has (any case)."""
        wanted = {address.casefold(): address for address in addresses}
        if not wanted:
            return set()
        query = select(func.lower(_STAFF.c.email)).where(
            func.lower(_STAFF.c.email).in_(list(wanted)), _STAFF.c.disabled_at.is_(None)
        )
        found = {row.casefold() for row in self.session.execute(query).scalars()}
        return {given for key, given in wanted.items() if key in found}

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
        "by_locale": None
        if state.by_locale is None
        else {locale: asdict(counts) for locale, counts in state.by_locale.items()},
    }
