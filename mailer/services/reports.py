"""Run reports: what the registry learns of a run, as `mailer.run_report/2` on `mailer.reports`.

`/2` is `/1` with the counts per locale; the registry reads both, so it is upgraded before
the mailers (decision 0035).

Every change to a run that is worth reporting (planned, a batch closed, completed,
cancelled) raises the run's `report_sequence`. The pump publishes the run's current state
whenever that is ahead of what was last published, at most about once a second per unfinished
run and at once when it is finished, then records the sequence. Reports are cumulative and
carry their sequence, so one that is published twice (the mailer stopped between publishing
and recording) or never (a newer one superseded it) loses nothing; its message id is derived
from the run and sequence, so a republished report is recognisably the same message.
"""

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from mailer.domain.runs import RunReport
from mailer.services.unit_of_work import Transaction
from schemas.messages.campaigns import RunReportV2

log = logging.getLogger(__name__)

REPORT_INTERVAL = timedelta(seconds=1)
REPORT_NAMESPACE = uuid.UUID("3a4f7b8e-6c1d-4e55-9d0b-2f61c8a9e4d7")


class ReportNotPublished(Exception):
    """The broker did not take the report; it stays due and goes with a later attempt."""


class ReportSink(Protocol):
    """Where reports go (`mailer.adapters.broker.ReportPublisher` in production)."""

    def publish(self, report: Mapping[str, Any]) -> None:
        """Publish a report, or raise ReportNotPublished."""
        ...


class RunReports(Protocol):
    """Runs with news for the registry, and what was told of them."""

    def due(self, now: datetime, interval: timedelta) -> list[RunReport]:
        """Runs with news (`runs.report_due`), oldest first."""
        ...

    def reported(self, run_id: uuid.UUID, sequence: int, now: datetime) -> None: ...


class ReportStore(Protocol):
    """What publishing reports needs of one transaction."""

    @property
    def reports(self) -> RunReports: ...


def report_message(report: RunReport, now: datetime) -> dict[str, Any]:
    """The `mailer.run_report/2` body of a run's state, checked against its schema."""
    body = {
        "schema": "mailer.run_report/2",
        "message_id": str(uuid.uuid5(REPORT_NAMESPACE, f"{report.run_id}/{report.sequence}")),
        "occurred_at": now.isoformat(),
        "campaign_id": str(report.campaign_id),
        "run_id": str(report.run_id),
        "sequence": report.sequence,
        "status": report.status,
        "started_at": _iso(report.started_at),
        "finished_at": _iso(report.finished_at),
        "counts": report.counts.as_dict(),
        "by_locale": {locale: counts.as_dict() for locale, counts in report.by_locale.items()},
        "reason": report.reason,
    }
    RunReportV2().load(body)
    return body


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def pump_reports(
    transaction: Transaction[ReportStore],
    sink: ReportSink,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Publish every report that is due; how many went. ReportNotPublished stops the round."""
    with transaction() as store:
        due = store.reports.due(now(), REPORT_INTERVAL)
    for report in due:
        sink.publish(report_message(report, now()))
        with transaction() as store:
            store.reports.reported(report.run_id, report.sequence, now())
        log.info(
            "run reported",
            extra={
                "event": "run_reported",
                "run_id": str(report.run_id),
                "sequence": report.sequence,
                "status": report.status,
            },
        )
    return len(due)
