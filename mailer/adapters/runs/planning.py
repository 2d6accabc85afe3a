"""Planning a run: its send ledger and its batches, filled in the database in one go.

A run's recipients are everyone the view holds as granted for its purpose, with an address;
a retry run's are those of the run it retries whose row there is `failed` (the email service
refused it: it never went) and who are still granted. `unknown` rows are never taken: their
email may have gone, and a run emails each person at most once (decision 0030).
"""

from datetime import datetime

from sqlalchemy import Select, case, func, insert, literal, select, update
from sqlalchemy.orm import Session, aliased

from mailer.adapters import orm
from mailer.adapters.runs.rows import RUN_COLUMNS, run_record
from mailer.domain import runs, send_ledger
from mailer.domain.runs import RunRecord
from plumbing.db import changed_rows

_Run, _Batch, _Delivery, _Locale = orm.Run, orm.Batch, orm.Delivery, orm.RunLocale
_R, _C = orm.Recipient, orm.RecipientConsent


class SqlPlanning:
    """Picks and plans runs, over one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def next_planned_run(self) -> RunRecord | None:
        """The oldest planned run, locked so that no other worker plans it at the same time."""
        query = (
            select(*RUN_COLUMNS)
            .where(_Run.status == runs.RUN_PLANNED)
            .order_by(_Run.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = self.session.execute(query).first()
        return run_record(row) if row else None

    def plan(self, run: RunRecord, batch_size: int, now: datetime) -> tuple[int, int]:
        """Fill the send ledger and the work queue of a run; (recipients, batches).

        One INSERT ... SELECT over the view numbers the recipients in id order and cuts them
        into batches in the database (`runs.batch_of`), each under the locale it is written
        in (`runs.locale_written`); one grouped INSERT ... SELECT then counts the recipients
        per locale: however many there are, none passes through Python.
        """
        recipients = _recipients(run, batch_size)
        filling = insert(_Delivery).from_select(
            ["run_id", "subject_id", "batch_no", "state", "locale"], recipients
        )
        planned = changed_rows(self.session, filling.execution_options(preserve_rowcount=True))
        per_locale = (
            select(_Delivery.run_id, _Delivery.locale, func.count())
            .where(_Delivery.run_id == run.run_id)
            .group_by(_Delivery.run_id, _Delivery.locale)
        )
        self.session.execute(
            insert(_Locale.__table__).from_select(["run_id", "locale", "recipients"], per_locale)
        )
        batches = (
            select(
                _Delivery.run_id,
                _Delivery.batch_no,
                literal(runs.BATCH_QUEUED),
                literal(0),
            )
            .where(_Delivery.run_id == run.run_id)
            .distinct()
        )
        self.session.execute(
            insert(_Batch.__table__).from_select(
                ["run_id", "batch_no", "state", "attempts"], batches
            )
        )
        count = runs.batches_for(planned, batch_size)
        status = runs.status_when_planned(count)
        self.session.execute(
            update(_Run)
            .where(_Run.run_id == run.run_id)
            .values(
                status=status,
                recipients=planned,
                batches_total=count,
                batches_open=count,
                started_at=now,
                finished_at=None if status == runs.RUN_RUNNING else now,
                report_sequence=_Run.report_sequence + 1,
            )
        )
        return planned, count


def _recipients(run: RunRecord, batch_size: int) -> Select:
    """Rows of the run's send ledger: (run, subject, batch number, `planned`, locale),
    numbered in subject id order and cut into batches of `batch_size`."""
    number = func.row_number().over(order_by=_C.subject_id) - 1
    default = literal(run.default_locale, _Delivery.locale.type)
    written = case((_R.locale.in_(sorted(run.content)), _R.locale), else_=default)
    query = (
        select(
            literal(run.run_id, _Delivery.run_id.type),
            _C.subject_id,
            number.self_group().op("/")(literal(batch_size)),
            literal(send_ledger.PLANNED),
            written,
        )
        .join(_R, _R.subject_id == _C.subject_id)
        .where(_C.purpose == run.purpose, _C.status == "granted", _R.email.is_not(None))
    )
    if run.retry_of is None:
        return query
    earlier = aliased(_Delivery)
    return query.join(earlier, earlier.subject_id == _C.subject_id).where(
        earlier.run_id == run.retry_of, earlier.state == send_ledger.FAILED
    )
