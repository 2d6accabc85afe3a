"""The mailer's old detail: what its retention lists and deletes; the caller owns the transaction.

Only detail goes. A run keeps its row, and with it its counts (sent, skipped, failed,
unknown), its counts per locale (`mailer_run_locales`, no person in them) and status; only
its per-recipient rows (`mailer_deliveries`) and its work queue (`mailer_batches`) are
deleted, once the run has long finished.
"""

import uuid
from datetime import datetime

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from mailer.adapters import orm
from mailer.domain.confirmations import UNFINISHED
from mailer.domain.runs import RUN_UNFINISHED
from plumbing.db import changed_rows

_Run, _Batch, _Delivery = orm.Run, orm.Batch, orm.Delivery
_Confirmation, _Processed = orm.Confirmation, orm.ProcessedMessage


class SqlRetention:
    """Counts and deletes of old detail, over one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def finished_runs_with_detail(self, finished_before: datetime) -> list[uuid.UUID]:
        """Runs finished before the cutoff that still have delivery or batch rows."""
        has_detail = or_(
            exists().where(_Delivery.run_id == _Run.run_id),
            exists().where(_Batch.run_id == _Run.run_id),
        )
        query = (
            select(_Run.run_id)
            .where(
                _Run.status.not_in(RUN_UNFINISHED),
                _Run.finished_at.is_not(None),
                _Run.finished_at < finished_before,
                has_detail,
            )
            .order_by(_Run.finished_at)
        )
        return list(self.session.scalars(query))

    def count_deliveries(self, run_ids: list[uuid.UUID]) -> int:
        if not run_ids:
            return 0
        query = select(func.count()).select_from(_Delivery).where(_Delivery.run_id.in_(run_ids))
        return self.session.execute(query).scalar_one()

    def delete_run_detail(self, run_id: uuid.UUID) -> int:
        """Delete a finished run's delivery rows and batches; how many deliveries there were."""
        statement = delete(_Delivery).where(_Delivery.run_id == run_id)
        deleted = changed_rows(self.session, statement)
        self.session.execute(delete(_Batch).where(_Batch.run_id == run_id))
        return deleted or 0

    def count_confirmations(self, finished_before: datetime) -> int:
        query = select(func.count()).select_from(_Confirmation)
        finished = _finished_confirmations(finished_before)
        return self.session.execute(query.where(*finished)).scalar_one()

    def delete_confirmations(self, finished_before: datetime) -> int:
        statement = delete(_Confirmation).where(*_finished_confirmations(finished_before))
        return changed_rows(self.session, statement) or 0

    def count_processed(self, processed_before: datetime) -> int:
        query = select(func.count()).select_from(_Processed)
        old = _Processed.processed_at < processed_before
        return self.session.execute(query.where(old)).scalar_one()

    def delete_processed(self, processed_before: datetime) -> int:
        statement = delete(_Processed).where(_Processed.processed_at < processed_before)
        return changed_rows(self.session, statement) or 0


def _finished_confirmations(finished_before: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        _Confirmation.state.not_in(UNFINISHED),
        _Confirmation.finished_at < finished_before,
    )
