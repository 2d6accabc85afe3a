"""Campaign runs in memory: requests, planning, leases, the send ledger, reports.

Each class is the fake of one SQL store of `mailer/adapters/runs/`, over the tables of one
transaction, deciding with the same `mailer.domain` functions.
"""

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from mailer.domain import runs, send_ledger
from mailer.domain.runs import BatchClaim, FinishedBatch, RunCounts, RunRecord, RunReport
from mailer.domain.send_ledger import RecipientStatus
from tests.fakes.mailer.tables import BatchRow, DeliveryRow, RunRow, Tables


class IllegalMove(AssertionError):
    """A service asked for a ledger move `send_ledger.MOVES` does not allow."""


class FakeCampaigns:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add_run(self, run: RunRecord, now: datetime) -> bool:
        if run.run_id in self.tables.runs:
            return False
        status = runs.status_on_arrival(self.state(run.campaign_id))
        cancelled = status == runs.RUN_CANCELLED
        self.tables.runs[run.run_id] = RunRow(
            record=run,
            status=status,
            created_at=now,
            finished_at=now if cancelled else None,
            reason=runs.CANCELLED_REASON if cancelled else None,
            report_sequence=1 if cancelled else 0,
        )
        return True

    def state(self, campaign_id: uuid.UUID) -> str | None:
        held = self.tables.campaigns.get(campaign_id)
        return held[0] if held else None

    def set_state(self, campaign_id: uuid.UUID, state: str, version: int) -> bool:
        held = self.tables.campaigns.get(campaign_id)
        if not runs.supersedes(version, held[1] if held else None):
            return False
        self.tables.campaigns[campaign_id] = (state, version)
        return True

    def cancel_unfinished_runs(self, campaign_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
        cancelled = []
        for run_id, row in self.tables.runs.items():
            if row.record.campaign_id == campaign_id and row.status in runs.RUN_UNFINISHED:
                self.tables.runs[run_id] = replace(
                    row,
                    status=runs.RUN_CANCELLED,
                    finished_at=now,
                    reason=runs.CANCELLED_REASON,
                    report_sequence=row.report_sequence + 1,
                )
                cancelled.append(run_id)
        return cancelled


class FakePlanning:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def next_planned_run(self) -> RunRecord | None:
        planned = [row for row in self.tables.runs.values() if row.status == runs.RUN_PLANNED]
        planned.sort(key=lambda row: row.created_at)
        return planned[0].current() if planned else None

    def plan(self, run: RunRecord, batch_size: int, now: datetime) -> tuple[int, int]:
        """Whoever is `granted` for the purpose and has an address, in id order; for a retry,
        only those whose row of the retried run is `failed`."""
        granted = sorted(
            subject_id
            for subject_id, view in self.tables.views.items()
            if view.recipient is not None
            and view.recipient.contact.email is not None
            and (state := view.recipient.consents.get(run.purpose)) is not None
            and state.status == "granted"
            and (run.retry_of is None or self._failed_in(run.retry_of, subject_id))
        )
        for position, subject_id in enumerate(granted):
            batch_no = runs.batch_of(position, batch_size)
            self.tables.deliveries[run.run_id, subject_id] = DeliveryRow(
                batch_no, send_ledger.PLANNED
            )
            self.tables.batches.setdefault((run.run_id, batch_no), BatchRow(runs.BATCH_QUEUED))
        count = runs.batches_for(len(granted), batch_size)
        status = runs.status_when_planned(count)
        row = self.tables.runs[run.run_id]
        self.tables.runs[run.run_id] = replace(
            row,
            status=status,
            counts=RunCounts(recipients=len(granted)),
            batches_total=count,
            batches_open=count,
            started_at=now,
            finished_at=None if status == runs.RUN_RUNNING else now,
            report_sequence=row.report_sequence + 1,
        )
        return len(granted), count

    def _failed_in(self, run_id: uuid.UUID, subject_id: uuid.UUID) -> bool:
        row = self.tables.deliveries.get((run_id, subject_id))
        return row is not None and row.state == send_ledger.FAILED


class FakeLedger:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def planned(self, run_id: uuid.UUID, batch_no: int) -> list[uuid.UUID]:
        return sorted(
            subject_id
            for (run, subject_id), row in self.tables.deliveries.items()
            if run == run_id and row.batch_no == batch_no and row.state == send_ledger.PLANNED
        )

    def people(self, ids: Sequence[uuid.UUID], purpose: str) -> dict[uuid.UUID, RecipientStatus]:
        found = {}
        for subject_id in ids:
            view = self.tables.views.get(subject_id)
            if view is None or view.recipient is None:
                continue
            recipient = view.recipient
            state = recipient.consents.get(purpose)
            found[subject_id] = RecipientStatus(
                subject_id,
                state.status if state else None,
                recipient.contact.email,
                recipient.contact.locale,
                recipient.contact.name,
                recipient.suppressed,
            )
        return found

    def recent_emails(self, ids: Sequence[uuid.UUID], since: datetime) -> dict[uuid.UUID, int]:
        asked = set(ids)
        counted = Counter(
            subject_id
            for (_, subject_id), row in self.tables.deliveries.items()
            if subject_id in asked
            and row.claimed_at is not None
            and row.claimed_at >= since
            and row.state in send_ledger.CAP_COUNTED
        )
        return dict(counted)

    def mark(
        self,
        run_id: uuid.UUID,
        ids: Sequence[uuid.UUID],
        source: str,
        target: str,
        now: datetime,
        reason: str | None = None,
    ) -> list[uuid.UUID]:
        return self._move([(run_id, subject_id) for subject_id in ids], source, target, now, reason)

    def mark_batch(
        self,
        run_id: uuid.UUID,
        batch_no: int,
        source: str,
        target: str,
        now: datetime,
        reason: str | None = None,
    ) -> list[uuid.UUID]:
        keys = [
            key
            for key, row in self.tables.deliveries.items()
            if key[0] == run_id and row.batch_no == batch_no
        ]
        return self._move(keys, source, target, now, reason)

    def batch_states(self, run_id: uuid.UUID, batch_no: int) -> dict[str, int]:
        return dict(
            Counter(
                row.state
                for (run, _), row in self.tables.deliveries.items()
                if run == run_id and row.batch_no == batch_no
            )
        )

    def _move(
        self,
        keys: list[tuple[uuid.UUID, uuid.UUID]],
        source: str,
        target: str,
        now: datetime,
        reason: str | None,
    ) -> list[uuid.UUID]:
        if not send_ledger.may_move(source, target):
            raise IllegalMove(f"{source} -> {target}")
        moved = []
        for key in keys:
            row = self.tables.deliveries.get(key)
            if row is not None and row.state == source:
                written = send_ledger.written(target, now, reason)
                self.tables.deliveries[key] = replace(row, **written)  # type: ignore[arg-type]
                moved.append(key[1])
        return moved


class FakeLeases:
    def __init__(self, tables: Tables, ledger: FakeLedger) -> None:
        self.tables = tables
        self.ledger = ledger

    def claim(
        self, now: datetime, lease_until: datetime, *, sending: bool = True
    ) -> BatchClaim | None:
        free = [
            (self.tables.runs[run_id].created_at, batch_no, run_id)
            for (run_id, batch_no), batch in self.tables.batches.items()
            if runs.is_free(batch.state, batch.lease_until, now)
            and runs.is_claimable(
                self.tables.runs[run_id].status,
                self._campaign_state(run_id),
                sending=sending,
            )
        ]
        if not free:
            return None
        _, batch_no, run_id = min(free)
        batch = self.tables.batches[run_id, batch_no]
        attempt = batch.attempts + 1
        self.tables.batches[run_id, batch_no] = replace(
            batch, state=runs.BATCH_SENDING, lease_until=lease_until, attempts=attempt
        )
        taken_over = self.ledger.mark_batch(
            run_id,
            batch_no,
            send_ledger.CLAIMED,
            send_ledger.UNKNOWN,
            now,
            reason=send_ledger.TAKEN_OVER,
        )
        return BatchClaim(self.tables.runs[run_id].current(), batch_no, attempt, len(taken_over))

    def start_check(self, claim: BatchClaim, now: datetime, lease_until: datetime) -> bool:
        batch = self._held(claim)
        if batch is None:
            return False
        self._put(claim, replace(batch, checked_at=now, lease_until=lease_until))
        return True

    def hold(self, claim: BatchClaim, lease_until: datetime) -> tuple[str, str | None] | None:
        batch = self._held(claim)
        if batch is None:
            return None
        self._put(claim, replace(batch, lease_until=lease_until))
        run_id = claim.run.run_id
        return self.tables.runs[run_id].status, self._campaign_state(run_id)

    def release(self, claim: BatchClaim) -> None:
        batch = self._held(claim)
        if batch is not None:
            self._put(claim, replace(batch, state=runs.BATCH_QUEUED, lease_until=None))

    def finish(self, claim: BatchClaim, now: datetime) -> FinishedBatch | None:
        batch = self._held(claim)
        if batch is None:
            return None
        self._put(claim, replace(batch, state=runs.BATCH_DONE, lease_until=None))
        run_id = claim.run.run_id
        self.ledger.mark_batch(
            run_id,
            claim.batch_no,
            send_ledger.CLAIMED,
            send_ledger.UNKNOWN,
            now,
            reason=send_ledger.NO_OUTCOME,
        )
        counts = RunCounts.of_states(self.ledger.batch_states(run_id, claim.batch_no))
        run = self.tables.runs[run_id]
        still_open = run.batches_open - 1
        status = runs.status_after_batch(run.status, still_open)
        self.tables.runs[run_id] = replace(
            run,
            counts=run.counts + counts,
            batches_open=still_open,
            report_sequence=run.report_sequence + 1,
            status=status,
            finished_at=now if status != run.status else run.finished_at,
        )
        return FinishedBatch(counts, status)

    def fail_run(self, run_id: uuid.UUID, reason: str, now: datetime) -> None:
        run = self.tables.runs[run_id]
        if run.status in runs.RUN_UNFINISHED:
            self.tables.runs[run_id] = replace(
                run,
                status=runs.RUN_FAILED,
                finished_at=now,
                reason=reason[: send_ledger.REASON_LIMIT],
                report_sequence=run.report_sequence + 1,
            )

    def _campaign_state(self, run_id: uuid.UUID) -> str | None:
        held = self.tables.campaigns.get(self.tables.runs[run_id].record.campaign_id)
        return held[0] if held else None

    def _held(self, claim: BatchClaim) -> BatchRow | None:
        batch = self.tables.batches.get((claim.run.run_id, claim.batch_no))
        return batch if batch and runs.holds(batch.state, batch.attempts, claim) else None

    def _put(self, claim: BatchClaim, batch: BatchRow) -> None:
        self.tables.batches[claim.run.run_id, claim.batch_no] = batch


class FakeReports:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def due(self, now: datetime, interval: timedelta) -> list[RunReport]:
        due = [
            (run_id, row)
            for run_id, row in self.tables.runs.items()
            if runs.report_due(
                sequence=row.report_sequence,
                reported_sequence=row.reported_sequence,
                status=row.status,
                reported_at=row.reported_at,
                now=now,
                interval=interval,
            )
        ]
        due.sort(key=lambda item: item[1].created_at)
        return [
            RunReport(
                run_id,
                row.record.campaign_id,
                row.report_sequence,
                row.status,
                row.started_at,
                row.finished_at,
                row.counts,
                row.reason,
            )
            for run_id, row in due
        ]

    def reported(self, run_id: uuid.UUID, sequence: int, now: datetime) -> None:
        row = self.tables.runs[run_id]
        if row.reported_sequence < sequence:
            self.tables.runs[run_id] = replace(row, reported_sequence=sequence, reported_at=now)
