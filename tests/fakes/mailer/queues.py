"""The transactional emails' queue, retention and a person's send history, in memory."""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from mailer.domain import confirmations, runs, send_ledger
from mailer.domain.confirmations import CONFIRMATION, QueuedEmail
from mailer.domain.send_ledger import EMAIL_OUTCOMES, SentEmail
from tests.fakes.mailer.tables import ConfirmationRow, Tables


class FakeConfirmations:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def queue(
        self,
        message_id: uuid.UUID,
        subject_id: uuid.UUID,
        address: str,
        locale: str,
        confirm_url: str,
        purposes: Iterable[str],
        now: datetime,
        kind: str = CONFIRMATION,
        content: Mapping[str, Any] | None = None,
    ) -> None:
        self.tables.confirmations.setdefault(
            message_id,
            ConfirmationRow(
                subject_id,
                kind,
                address,
                locale,
                confirm_url,
                tuple(purposes),
                confirmations.QUEUED,
                now,
                content=dict(content) if content is not None else None,
            ),
        )

    def delete_of(self, subject_id: uuid.UUID) -> None:
        rows = self.tables.confirmations
        for message_id in [m for m, row in rows.items() if row.subject_id == subject_id]:
            del rows[message_id]

    def claim(self, now: datetime, limit: int) -> list[QueuedEmail]:
        queued = [
            (row.created_at, message_id)
            for message_id, row in self.tables.confirmations.items()
            if row.state == confirmations.QUEUED
        ]
        claimed = []
        for _, message_id in sorted(queued)[:limit]:
            row = self.tables.confirmations[message_id]
            self.tables.confirmations[message_id] = replace(
                row, state=confirmations.CLAIMED, claimed_at=now
            )
            assert row.address is not None
            claimed.append(
                QueuedEmail(
                    message_id,
                    row.subject_id,
                    row.kind,
                    row.address,
                    row.locale,
                    row.confirm_url,
                    list(row.purposes),
                    row.content,
                )
            )
        return claimed

    def finish(
        self, message_id: uuid.UUID, state: str, now: datetime, reason: str | None = None
    ) -> None:
        row = self.tables.confirmations.get(message_id)
        if row is not None and row.state == confirmations.CLAIMED:
            self.tables.confirmations[message_id] = replace(
                row, state=state, finished_at=now, reason=reason, address=None, content=None
            )

    def release(self, message_ids: Sequence[uuid.UUID]) -> None:
        for message_id in message_ids:
            row = self.tables.confirmations.get(message_id)
            if row is not None and row.state == confirmations.CLAIMED:
                self.tables.confirmations[message_id] = replace(
                    row, state=confirmations.QUEUED, claimed_at=None
                )

    def expire_claims(self, claimed_before: datetime, now: datetime) -> int:
        expired = [
            message_id
            for message_id, row in self.tables.confirmations.items()
            if row.state == confirmations.CLAIMED
            and row.claimed_at is not None
            and row.claimed_at < claimed_before
        ]
        for message_id in expired:
            self.tables.confirmations[message_id] = replace(
                self.tables.confirmations[message_id],
                state=send_ledger.UNKNOWN,
                finished_at=now,
                reason=send_ledger.TAKEN_OVER,
                address=None,
            )
        return len(expired)


class FakeRetention:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def finished_runs_with_detail(self, finished_before: datetime) -> list[uuid.UUID]:
        with_detail = {run_id for run_id, _ in self.tables.deliveries} | {
            run_id for run_id, _ in self.tables.batches
        }
        finished = [
            (row.finished_at, run_id)
            for run_id, row in self.tables.runs.items()
            if row.status not in runs.RUN_UNFINISHED
            and row.finished_at is not None
            and row.finished_at < finished_before
            and run_id in with_detail
        ]
        return [run_id for _, run_id in sorted(finished)]

    def count_deliveries(self, run_ids: list[uuid.UUID]) -> int:
        wanted = set(run_ids)
        return sum(1 for run_id, _ in self.tables.deliveries if run_id in wanted)

    def delete_run_detail(self, run_id: uuid.UUID) -> int:
        deliveries = [key for key in self.tables.deliveries if key[0] == run_id]
        for delivery in deliveries:
            del self.tables.deliveries[delivery]
        for batch in [batch for batch in self.tables.batches if batch[0] == run_id]:
            del self.tables.batches[batch]
        return len(deliveries)

    def count_confirmations(self, finished_before: datetime) -> int:
        return len(self._finished_confirmations(finished_before))

    def delete_confirmations(self, finished_before: datetime) -> int:
        finished = self._finished_confirmations(finished_before)
        for message_id in finished:
            del self.tables.confirmations[message_id]
        return len(finished)

    def count_processed(self, processed_before: datetime) -> int:
        return len(self._processed(processed_before))

    def delete_processed(self, processed_before: datetime) -> int:
        old = self._processed(processed_before)
        for message_id in old:
            del self.tables.processed[message_id]
        return len(old)

    def _finished_confirmations(self, finished_before: datetime) -> list[uuid.UUID]:
        return [
            message_id
            for message_id, row in self.tables.confirmations.items()
            if row.state not in confirmations.UNFINISHED
            and row.finished_at is not None
            and row.finished_at < finished_before
        ]

    def _processed(self, processed_before: datetime) -> list[uuid.UUID]:
        return [m for m, at in self.tables.processed.items() if at < processed_before]


class FakeSendHistory:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def emails_of(self, subject_id: uuid.UUID) -> list[SentEmail]:
        campaigns = [
            SentEmail(
                "campaign",
                self.tables.runs[run_id].record.campaign_id,
                self.tables.runs[run_id].record.campaign_name,
                run_id,
                row.finished_at or row.claimed_at,
                EMAIL_OUTCOMES[row.state],
            )
            for (run_id, subject), row in self.tables.deliveries.items()
            if subject == subject_id and row.state in EMAIL_OUTCOMES
        ]
        queued = [
            SentEmail(
                row.kind,
                None,
                None,
                None,
                row.finished_at or row.claimed_at,
                EMAIL_OUTCOMES[row.state],
            )
            for row in self.tables.confirmations.values()
            if row.subject_id == subject_id and row.state in EMAIL_OUTCOMES
        ]
        return send_ledger.oldest_first(campaigns + queued)
