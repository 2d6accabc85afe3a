"""Which runs have news for the registry (`runs.report_due`), and what was told.

A report's counts per locale are read from `mailer_run_locales` (a row per run and locale,
kept with the batches), so a report costs a few rows however many recipients a run has.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from mailer.adapters import orm
from mailer.domain import runs
from mailer.domain.runs import COUNTERS, RunCounts, RunReport

_Run, _Locale = orm.Run, orm.RunLocale


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
        found = list(self.session.execute(query).scalars())
        by_locale = self._by_locale([run.run_id for run in found])
        return [
            RunReport(
                run.run_id,
                run.campaign_id,
                run.report_sequence,
                run.status,
                run.started_at,
                run.finished_at,
                _counts(run),
                run.reason,
                by_locale.get(run.run_id, {}),
            )
            for run in found
        ]

    def _by_locale(self, run_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, RunCounts]]:
        found: dict[uuid.UUID, dict[str, RunCounts]] = {}
        if not run_ids:
            return found
        query = select(_Locale).where(_Locale.run_id.in_(run_ids)).order_by(_Locale.locale)
        for row in self.session.execute(query).scalars():
            found.setdefault(row.run_id, {})[row.locale] = _counts(row)
        return found

    def reported(self, run_id: uuid.UUID, sequence: int, now: datetime) -> None:
        """Record that the report of `sequence` went (an older one never goes back)."""
        self.session.execute(
            update(_Run)
            .where(_Run.run_id == run_id, _Run.reported_sequence < sequence)
            .values(reported_sequence=sequence, reported_at=now)
        )


def _counts(row: orm.Run | orm.RunLocale) -> RunCounts:
    return RunCounts(row.recipients, *(getattr(row, name) for name in COUNTERS))
