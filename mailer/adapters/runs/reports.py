"""Which runs have news for the registry (`runs.report_due`), and what was told."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from mailer.adapters import orm
from mailer.domain import runs
from mailer.domain.runs import COUNTERS, RunCounts, RunReport

_Run = orm.Run


class SqlReports:
    """Run reports due and published, over one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def due(self, now: datetime, interval: timedelta) -> list[RunReport]:
        """Runs with news to report, oldest first: at most one report per `interval` while a
        run is unfinished, at once when it is finished."""
        finished = _Run.status.not_in(runs.RUN_UNFINISHED)
        quiet = or_(_Run.reported_at.is_(None), _Run.reported_at <= now - interval)
        query = (
            select(_Run)
            .where(_Run.report_sequence > _Run.reported_sequence, or_(finished, quiet))
            .order_by(_Run.created_at)
        )
        return [
            RunReport(
                run.run_id,
                run.campaign_id,
                run.report_sequence,
                run.status,
                run.started_at,
                run.finished_at,
                RunCounts(run.recipients, *(getattr(run, name) for name in COUNTERS)),
                run.reason,
            )
            for run in self.session.execute(query).scalars()
        ]

    def reported(self, run_id: uuid.UUID, sequence: int, now: datetime) -> None:
        """Record that the report of `sequence` went (an older one never goes back)."""
        self.session.execute(
            update(_Run)
            .where(_Run.run_id == run_id, _Run.reported_sequence < sequence)
            .values(reported_sequence=sequence, reported_at=now)
        )
