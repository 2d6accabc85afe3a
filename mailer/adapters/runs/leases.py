"""The work queue: batches leased to workers, renewed, given back and closed.

The rules are `mailer.domain.runs` (`is_free`, `is_claimable`, `holds`,
`status_after_batch`); here they are the WHERE clauses that make them hold among workers.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from mailer.adapters import orm
from mailer.adapters.runs.ledger import SqlLedger
from mailer.adapters.runs.rows import RUN_COLUMNS, run_record
from mailer.domain import runs, send_ledger
from mailer.domain.runs import COUNTERS, BatchClaim, FinishedBatch, RunCounts

_Run, _Campaign, _Batch, _Locale = orm.Run, orm.CampaignState, orm.Batch, orm.RunLocale


class SqlLeases:
    """Batches as workers take and close them, over one session (with its ledger)."""

    def __init__(self, session: Session, ledger: SqlLedger) -> None:
        self.session = session
        self.ledger = ledger

    def claim(
        self, now: datetime, lease_until: datetime, *, sending: bool = True
    ) -> BatchClaim | None:
        """Take the next batch to work on, or None.

        A batch is free when queued, or when its holder's lease ran out (a killed worker); it
        is taken for sending when its run is running and its campaign is not paused or
        cancelled (only if `sending`), and for draining when its run was cancelled or failed.
        Rows the previous holder had claimed become `unknown` here: they may have been sent.
        """
        free = or_(
            _Batch.state == runs.BATCH_QUEUED,
            and_(_Batch.state == runs.BATCH_SENDING, _Batch.lease_until < now),
        )
        sendable = and_(
            _Run.status == runs.RUN_RUNNING,
            or_(_Campaign.state.is_(None), _Campaign.state == runs.CAMPAIGN_RUNNING),
        )
        drained = _Run.status.in_(runs.RUN_DRAINED)
        wanted = or_(sendable, drained) if sending else drained
        query = (
            select(_Batch.batch_no, _Batch.attempts, *RUN_COLUMNS)
            .join(_Run, _Run.run_id == _Batch.run_id)
            .outerjoin(_Campaign, _Campaign.campaign_id == _Run.campaign_id)
            .where(free, wanted)
            .order_by(_Run.created_at, _Batch.batch_no)
            .limit(1)
            .with_for_update(of=_Batch, skip_locked=True)
        )
        row = self.session.execute(query).first()
        if row is None:
            return None
        attempt = row.attempts + 1
        self.session.execute(
            update(_Batch)
            .where(_Batch.run_id == row.run_id, _Batch.batch_no == row.batch_no)
            .values(state=runs.BATCH_SENDING, lease_until=lease_until, attempts=attempt)
        )
        taken_over = self.ledger.mark_batch(
            row.run_id,
            row.batch_no,
            send_ledger.CLAIMED,
            send_ledger.UNKNOWN,
            now,
            reason=send_ledger.TAKEN_OVER,
        )
        return BatchClaim(run_record(row), row.batch_no, attempt, len(taken_over))

    def start_check(self, claim: BatchClaim, now: datetime, lease_until: datetime) -> bool:
        """Note that the batch's send-time check begins now (and renew the lease); False if
        the batch is no longer this holder's."""
        statement = (
            update(_Batch)
            .where(*_holding(claim))
            .values(checked_at=now, lease_until=lease_until)
            .returning(_Batch.batch_no)
        )
        return self.session.execute(statement).first() is not None

    def hold(self, claim: BatchClaim, lease_until: datetime) -> tuple[str, str | None] | None:
        """Renew the lease if the batch is still this holder's; the run's status and its
        campaign's state, or None if another worker took the batch over."""
        renewed = self.session.execute(
            update(_Batch)
            .where(*_holding(claim))
            .values(lease_until=lease_until)
            .returning(_Batch.batch_no)
        ).first()
        if renewed is None:
            return None
        query = (
            select(_Run.status, _Campaign.state)
            .outerjoin(_Campaign, _Campaign.campaign_id == _Run.campaign_id)
            .where(_Run.run_id == claim.run.run_id)
        )
        status, state = self.session.execute(query).one()
        return status, state

    def release(self, claim: BatchClaim) -> None:
        """Give the batch back to the queue untouched (not sent, not counted)."""
        self.session.execute(
            update(_Batch).where(*_holding(claim)).values(state=runs.BATCH_QUEUED, lease_until=None)
        )

    def finish(self, claim: BatchClaim, now: datetime) -> FinishedBatch | None:
        """Close the batch and add its rows to the run's counts, in all and per locale; None
        if no longer ours.

        A row still `claimed` here got no outcome from the backend: it becomes `unknown`.
        The run row is locked before its open batches are read, so of two workers closing a
        run's last two batches the second sees the first's count and completes the run.
        Every writer locks a batch before its run, never the other way round.
        """
        closed = self.session.execute(
            update(_Batch)
            .where(*_holding(claim))
            .values(state=runs.BATCH_DONE, lease_until=None)
            .returning(_Batch.batch_no)
        ).first()
        if closed is None:
            return None
        run_id = claim.run.run_id
        run = self.session.execute(
            select(_Run.status, _Run.batches_open).where(_Run.run_id == run_id).with_for_update()
        ).one()
        self.ledger.mark_batch(
            run_id,
            claim.batch_no,
            send_ledger.CLAIMED,
            send_ledger.UNKNOWN,
            now,
            reason=send_ledger.NO_OUTCOME,
        )
        per_locale = {
            locale: RunCounts.of_states(states)
            for locale, states in self.ledger.batch_locale_states(run_id, claim.batch_no).items()
        }
        counts = sum(per_locale.values(), RunCounts())
        for locale, added in per_locale.items():
            if locale is not None:
                self.session.execute(
                    update(_Locale)
                    .where(_Locale.run_id == run_id, _Locale.locale == locale)
                    .values(_added(added))
                )
        still_open = run.batches_open - 1
        status = runs.status_after_batch(run.status, still_open)
        values = _added(counts, _Run)
        values |= {"batches_open": still_open, "report_sequence": _Run.report_sequence + 1}
        if status != run.status:
            values |= {"status": status, "finished_at": now}
        self.session.execute(update(_Run).where(_Run.run_id == run_id).values(values))
        return FinishedBatch(counts, status)

    def fail_run(self, run_id: uuid.UUID, reason: str, now: datetime) -> None:
        """A run that cannot be sent (its content does not render): its batches are drained."""
        self.session.execute(
            update(_Run)
            .where(_Run.run_id == run_id, _Run.status.in_(runs.RUN_UNFINISHED))
            .values(
                status=runs.RUN_FAILED,
                finished_at=now,
                reason=reason[: send_ledger.REASON_LIMIT],
                report_sequence=_Run.report_sequence + 1,
            )
        )


def _added(counts: RunCounts, table: type[orm.Run | orm.RunLocale] = _Locale) -> dict[str, Any]:
    """SET clauses adding a batch's counts to a run's (or one locale's of it)."""
    return {name: getattr(table, name) + getattr(counts, name) for name in COUNTERS}


def _holding(claim: BatchClaim) -> tuple[ColumnElement[bool], ...]:
    """The batch, as long as it is still being sent by this claim's holder (`runs.holds`)."""
    return (
        _Batch.run_id == claim.run.run_id,
        _Batch.batch_no == claim.batch_no,
        _Batch.state == runs.BATCH_SENDING,
        _Batch.attempts == claim.attempt,
    )
