"""Reads and writes of campaign runs: runs, campaign states, batches and the send ledger.

SQLAlchemy Core on the ORM's tables, in the caller's transaction, like `repository`. Every
state change of a ledger row or a batch names the state it leaves in its WHERE clause, so a
row can take each step once however many workers try: the database, not the workers'
timing, makes the send ledger at most once. On PostgreSQL the rows a worker picks for
itself are taken with FOR UPDATE SKIP LOCKED; SQLite has no such thing and needs none, as
every write transaction starts with BEGIN IMMEDIATE and holds the whole database.
"""

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Uuid,
    and_,
    any_,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from mailer.adapters import orm
from mailer.domain import runs
from mailer.domain.runs import RunCounts

_Run, _Campaign, _Batch, _Delivery = orm.Run, orm.CampaignState, orm.Batch, orm.Delivery
_R, _C = orm.Recipient, orm.RecipientConsent

_CORE = {"synchronize_session": False}
"""Ledger updates touch up to a batch of rows no session holds as objects; skip the ORM's
search of its identity map for them."""

IN_CHUNK = 1000
"""Ids per IN (...) list: far below SQLite's limit of bound parameters per statement."""

TAKEN_OVER = "claimed by a worker that stopped before recording the outcome"
NO_OUTCOME = "no outcome from the email backend"

COUNTERS = ("sent", "skipped_withdrawn", "skipped_capped", "failed", "unknown")


@dataclass(frozen=True)
class RunRecord:
    """What the sender needs of a run to plan it and to compose its emails."""

    run_id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_name: str
    purpose: str
    default_locale: str
    content: Mapping[str, Mapping[str, str]]
    status: str


@dataclass(frozen=True)
class BatchClaim:
    """A batch this worker holds until `lease_until`, as its `attempt`-th holder."""

    run: RunRecord
    batch_no: int
    attempt: int
    taken_over: int
    """Rows a previous holder had claimed, now `unknown`."""


@dataclass(frozen=True)
class FinishedBatch:
    counts: RunCounts
    run_status: str


@dataclass(frozen=True)
class PersonRow:
    """A recipient as the send-time check reads it: status for the purpose and contact."""

    subject_id: uuid.UUID
    status: str | None
    email: str | None
    locale: str | None
    name: str | None
    suppressed: bool = False


@dataclass(frozen=True)
class RunReport:
    run_id: uuid.UUID
    campaign_id: uuid.UUID
    sequence: int
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    counts: RunCounts
    reason: str | None


def among(dialect: str, column: Any, ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    """`column IN (ids)`, written as `column = ANY(:ids)` on PostgreSQL.

    An IN list of a thousand parameters is a new statement text for every length, which
    psycopg parses afresh each time; one array parameter keeps one statement for any batch.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(Uuid())))
    return column.in_(ids)


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start : start + IN_CHUNK]


def _record(row: Any) -> RunRecord:
    return RunRecord(
        row.run_id,
        row.campaign_id,
        row.campaign_name,
        row.purpose,
        row.default_locale,
        row.content,
        row.status,
    )


_RUN_COLUMNS = (
    _Run.run_id,
    _Run.campaign_id,
    _Run.campaign_name,
    _Run.purpose,
    _Run.default_locale,
    _Run.content,
    _Run.status,
)


class RunStore:
    """Repository of campaign runs over one session; the caller owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    # Commands from the registry (the consumer's transaction: short, never per recipient).

    def add_run(self, run: RunRecord, now: datetime) -> bool:
        """Record a requested run; False if it is known already (idempotent by run id).

        A run of a campaign already cancelled is cancelled at once, with a report.
        """
        cancelled = self.campaign_state(run.campaign_id) == "cancelled"
        statement = self._insert(_Run).values(
            run_id=run.run_id,
            campaign_id=run.campaign_id,
            campaign_name=run.campaign_name,
            purpose=run.purpose,
            default_locale=run.default_locale,
            content=dict(run.content),
            status="cancelled" if cancelled else "planned",
            finished_at=now if cancelled else None,
            reason="campaign cancelled" if cancelled else None,
            report_sequence=1 if cancelled else 0,
            created_at=now,
        )
        inserted = statement.on_conflict_do_nothing().returning(_Run.run_id)
        return self.session.execute(inserted).first() is not None

    def campaign_state(self, campaign_id: uuid.UUID) -> str | None:
        query = select(_Campaign.state).where(_Campaign.campaign_id == campaign_id)
        return self.session.execute(query).scalar()

    def set_campaign_state(self, campaign_id: uuid.UUID, state: str, version: int) -> bool:
        """Keep the state of the highest version; False if this one is not newer."""
        statement = self._insert(_Campaign).values(
            campaign_id=campaign_id, state=state, version=version
        )
        upsert = statement.on_conflict_do_update(
            index_elements=[_Campaign.campaign_id],
            set_={"state": statement.excluded.state, "version": statement.excluded.version},
            where=_Campaign.version < statement.excluded.version,
        ).returning(_Campaign.campaign_id)
        return self.session.execute(upsert).first() is not None

    def cancel_unfinished_runs(self, campaign_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
        """Cancel the campaign's planned and running runs; their batches are drained later."""
        statement = (
            update(_Run)
            .where(_Run.campaign_id == campaign_id, _Run.status.in_(runs.RUN_UNFINISHED))
            .values(
                status="cancelled",
                finished_at=now,
                reason="campaign cancelled",
                report_sequence=_Run.report_sequence + 1,
            )
            .returning(_Run.run_id)
        )
        return list(self.session.execute(statement).scalars())

    # Planning.

    def next_planned_run(self) -> RunRecord | None:
        """The oldest planned run, locked so that no other worker plans it at the same time."""
        query = (
            select(*_RUN_COLUMNS)
            .where(_Run.status == "planned")
            .order_by(_Run.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = self.session.execute(query).first()
        return _record(row) if row else None

    def plan(self, run: RunRecord, batch_size: int, now: datetime) -> tuple[int, int]:
        """Fill the send ledger and the work queue of a run; (recipients, batches).

        One INSERT ... SELECT over the view numbers the recipients in id order and cuts them
        into batches in the database: however many there are, none passes through Python.
        """
        number = func.row_number().over(order_by=_C.subject_id) - 1
        recipients = (
            select(
                literal(run.run_id, _Delivery.run_id.type),
                _C.subject_id,
                number.self_group().op("/")(literal(batch_size)),
                literal(runs.PLANNED),
            )
            .join(_R, _R.subject_id == _C.subject_id)
            .where(_C.purpose == run.purpose, _C.status == "granted", _R.email.is_not(None))
        )
        filling = insert(_Delivery).from_select(
            ["run_id", "subject_id", "batch_no", "state"], recipients
        )
        planned = self.session.execute(filling.execution_options(preserve_rowcount=True)).rowcount
        batches = (
            select(
                _Delivery.run_id,
                _Delivery.batch_no,
                literal("queued"),
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
        count = -(-planned // batch_size)
        self.session.execute(
            update(_Run)
            .where(_Run.run_id == run.run_id)
            .values(
                status="running" if count else "completed",
                recipients=planned,
                batches_total=count,
                batches_open=count,
                started_at=now,
                finished_at=None if count else now,
                report_sequence=_Run.report_sequence + 1,
            )
        )
        return planned, count

    # The work queue.

    def claim_batch(
        self, now: datetime, lease_until: datetime, *, sending: bool = True
    ) -> BatchClaim | None:
        """Take the next batch to work on, or None.

        A batch is free when queued, or when its holder's lease ran out (a killed worker); it
        is taken for sending when its run is running and its campaign is not paused or
        cancelled (only if `sending`), and for draining when its run was cancelled or failed.
        Rows the previous holder had claimed become `unknown` here: they may have been sent.
        """
        free = or_(
            _Batch.state == "queued", and_(_Batch.state == "sending", _Batch.lease_until < now)
        )
        sendable = and_(
            _Run.status == "running",
            or_(_Campaign.state.is_(None), _Campaign.state == "running"),
        )
        drained = _Run.status.in_(runs.RUN_DRAINED)
        wanted = or_(sendable, drained) if sending else drained
        query = (
            select(_Batch.batch_no, _Batch.attempts, *_RUN_COLUMNS)
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
            .values(state="sending", lease_until=lease_until, attempts=attempt)
        )
        taken_over = len(
            self.mark_batch(
                row.run_id, row.batch_no, runs.CLAIMED, runs.UNKNOWN, now, reason=TAKEN_OVER
            )
        )
        return BatchClaim(_record(row), row.batch_no, attempt, taken_over)

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
            update(_Batch).where(*_holding(claim)).values(state="queued", lease_until=None)
        )

    def finish_batch(self, claim: BatchClaim, now: datetime) -> FinishedBatch | None:
        """Close the batch and add its rows to the run's counts; None if no longer ours.

        A row still `claimed` here got no outcome from the backend: it becomes `unknown`.
        The run row is locked before its open batches are read, so of two workers closing a
        run's last two batches the second sees the first's count and completes the run.
        Every writer locks a batch before its run, never the other way round.
        """
        closed = self.session.execute(
            update(_Batch)
            .where(*_holding(claim))
            .values(state="done", lease_until=None)
            .returning(_Batch.batch_no)
        ).first()
        if closed is None:
            return None
        run = self.session.execute(
            select(_Run.status, _Run.batches_open)
            .where(_Run.run_id == claim.run.run_id)
            .with_for_update()
        ).one()
        self.mark_batch(
            claim.run.run_id, claim.batch_no, runs.CLAIMED, runs.UNKNOWN, now, reason=NO_OUTCOME
        )
        counts = RunCounts.of_states(self.batch_states(claim.run.run_id, claim.batch_no))
        still_open = run.batches_open - 1
        status = "completed" if run.status == "running" and still_open == 0 else run.status
        values: dict[str, Any] = {
            name: getattr(_Run, name) + getattr(counts, name) for name in COUNTERS
        }
        values |= {"batches_open": still_open, "report_sequence": _Run.report_sequence + 1}
        if status != run.status:
            values |= {"status": status, "finished_at": now}
        self.session.execute(update(_Run).where(_Run.run_id == claim.run.run_id).values(values))
        return FinishedBatch(counts, status)

    def fail_run(self, run_id: uuid.UUID, reason: str, now: datetime) -> None:
        """A run that cannot be sent (its content does not render): its batches are drained."""
        self.session.execute(
            update(_Run)
            .where(_Run.run_id == run_id, _Run.status.in_(runs.RUN_UNFINISHED))
            .values(
                status="failed",
                finished_at=now,
                reason=reason[:500],
                report_sequence=_Run.report_sequence + 1,
            )
        )

    # The send ledger.

    def planned(self, run_id: uuid.UUID, batch_no: int) -> list[uuid.UUID]:
        query = select(_Delivery.subject_id).where(
            _Delivery.run_id == run_id,
            _Delivery.batch_no == batch_no,
            _Delivery.state == runs.PLANNED,
        )
        return list(self.session.execute(query.order_by(_Delivery.subject_id)).scalars())

    def people(self, ids: Sequence[uuid.UUID], purpose: str) -> dict[uuid.UUID, PersonRow]:
        """The view's status for `purpose` and the contact of each id the view holds."""
        found: dict[uuid.UUID, PersonRow] = {}
        for chunk in _chunks(ids):
            query = (
                select(_R.subject_id, _C.status, _R.email, _R.locale, _R.name, _R.suppressed)
                .outerjoin(_C, and_(_C.subject_id == _R.subject_id, _C.purpose == purpose))
                .where(among(self.dialect, _R.subject_id, chunk))
            )
            for row in self.session.execute(query):
                found[row.subject_id] = PersonRow(*row)
        return found

    def recent_emails(self, ids: Sequence[uuid.UUID], since: datetime) -> dict[uuid.UUID, int]:
        """Campaign emails each person may have been handed since `since`, across campaigns."""
        found: dict[uuid.UUID, int] = {}
        for chunk in _chunks(ids):
            query = (
                select(_Delivery.subject_id, func.count())
                .where(
                    among(self.dialect, _Delivery.subject_id, chunk),
                    _Delivery.claimed_at >= since,
                    _Delivery.state.in_(runs.CAP_COUNTED),
                )
                .group_by(_Delivery.subject_id)
            )
            found.update(dict(self.session.execute(query).all()))
        return found

    def mark(
        self,
        run_id: uuid.UUID,
        ids: Sequence[uuid.UUID],
        source: str,
        target: str,
        now: datetime,
        reason: str | None = None,
    ) -> list[uuid.UUID]:
        """Move these rows from `source` to `target`; the ids of the rows that moved."""
        moved: list[uuid.UUID] = []
        for chunk in _chunks(ids):
            statement = (
                update(_Delivery)
                .where(
                    _Delivery.run_id == run_id,
                    among(self.dialect, _Delivery.subject_id, chunk),
                    _Delivery.state == source,
                )
                .values(_transition(target, now, reason))
                .returning(_Delivery.subject_id)
            )
            moved.extend(self.session.execute(statement, execution_options=_CORE).scalars())
        return moved

    def mark_batch(
        self,
        run_id: uuid.UUID,
        batch_no: int,
        source: str,
        target: str,
        now: datetime,
        reason: str | None = None,
    ) -> list[uuid.UUID]:
        """Move every row of a batch in `source` to `target`."""
        statement = (
            update(_Delivery)
            .where(
                _Delivery.run_id == run_id,
                _Delivery.batch_no == batch_no,
                _Delivery.state == source,
            )
            .values(_transition(target, now, reason))
            .returning(_Delivery.subject_id)
        )
        return list(self.session.execute(statement, execution_options=_CORE).scalars())

    def batch_states(self, run_id: uuid.UUID, batch_no: int) -> dict[str, int]:
        query = (
            select(_Delivery.state, func.count())
            .where(_Delivery.run_id == run_id, _Delivery.batch_no == batch_no)
            .group_by(_Delivery.state)
        )
        return dict(self.session.execute(query).all())

    # Reports.

    def reports_due(self, now: datetime, interval: timedelta) -> list[RunReport]:
        """Runs with news to report: at most one report per `interval` while a run is
        unfinished, at once when it is finished."""
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
        self.session.execute(
            update(_Run)
            .where(_Run.run_id == run_id, _Run.reported_sequence < sequence)
            .values(reported_sequence=sequence, reported_at=now)
        )


def _holding(claim: BatchClaim) -> tuple[ColumnElement[bool], ...]:
    """The batch, as long as it is still being sent by this claim's holder."""
    return (
        _Batch.run_id == claim.run.run_id,
        _Batch.batch_no == claim.batch_no,
        _Batch.state == "sending",
        _Batch.attempts == claim.attempt,
    )


def _transition(target: str, now: datetime, reason: str | None) -> dict[str, Any]:
    if target == runs.CLAIMED:
        return {"state": target, "claimed_at": now}
    return {"state": target, "finished_at": now, "reason": reason and reason[:500]}
