"""Reads and writes of `transfer_recipients` and `transfers`; the caller owns the transaction.

A transfer is a small work queue in the database, like the mailer's batches (decision 0008):
claiming an attempt moves `next_attempt_at` past a lease in a short transaction of its own,
so a relay that dies mid-attempt leaves the transfer to be taken again when the lease runs
out, and every later write names the attempt it belongs to (`attempts`), so an attempt that
was taken over can no longer record its outcome over the new one's.
"""

import uuid
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from consent_service.adapters import orm
from consent_service.services.ports.transfers import RecipientRow, TransferRow

_R, _T = orm.TransferRecipient.__table__, orm.Transfer.__table__
_RECIPIENT_FIELDS = list(RecipientRow.__dataclass_fields__)
_TRANSFER_FIELDS = list(TransferRow.__dataclass_fields__)
MAX_ERROR = 500


class TransferStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add_recipient(self, row: RecipientRow) -> None:
        values = {f: getattr(row, f) for f in _RECIPIENT_FIELDS}
        self.connection.execute(insert(_R).values(values))

    def recipient(self, name: str) -> RecipientRow | None:
        query = select(*(_R.c[f] for f in _RECIPIENT_FIELDS)).where(_R.c.name == name)
        row = self.connection.execute(query).first()
        return RecipientRow(*row) if row else None

    def recipients(self) -> list[RecipientRow]:
        query = select(*(_R.c[f] for f in _RECIPIENT_FIELDS)).order_by(_R.c.name)
        return [RecipientRow(*row) for row in self.connection.execute(query)]

    def add_transfer(self, row: TransferRow) -> None:
        values = {f: getattr(row, f) for f in _TRANSFER_FIELDS}
        self.connection.execute(insert(_T).values(values))

    def transfer(self, transfer_id: uuid.UUID) -> TransferRow | None:
        query = select(*(_T.c[f] for f in _TRANSFER_FIELDS)).where(_T.c.id == transfer_id)
        row = self.connection.execute(query).first()
        return TransferRow(*row) if row else None

    def claim_due(self, now: datetime, lease_until: datetime) -> TransferRow | None:
        """On PostgreSQL `SKIP LOCKED` lets several relays claim different transfers at once;
        on SQLite the transaction holds the database (BEGIN IMMEDIATE) and there is one relay.
        """
        due = (
            select(_T.c.id, _T.c.attempts)
            .where(_T.c.status == "pending", _T.c.next_attempt_at <= now)
            .order_by(_T.c.next_attempt_at, _T.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        found = self.connection.execute(due).first()
        if found is None:
            return None
        self.connection.execute(
            update(_T)
            .where(_T.c.id == found.id, _T.c.attempts == found.attempts)
            .values(attempts=found.attempts + 1, next_attempt_at=lease_until)
        )
        return self.transfer(found.id)

    def retry_later(self, claim: TransferRow, next_attempt_at: datetime, error: str) -> bool:
        statement = (
            update(_T)
            .where(*_holding(claim))
            .values(next_attempt_at=next_attempt_at, last_error=error[:MAX_ERROR])
        )
        return self.connection.execute(statement).rowcount == 1

    def finish(self, claim: TransferRow, status: str, now: datetime, error: str | None) -> bool:
        statement = (
            update(_T)
            .where(*_holding(claim))
            .values(
                status=status,
                next_attempt_at=None,
                finished_at=now,
                last_error=error[:MAX_ERROR] if error else None,
            )
        )
        return self.connection.execute(statement).rowcount == 1


def _holding(claim: TransferRow) -> tuple:
    return (_T.c.id == claim.id, _T.c.status == "pending", _T.c.attempts == claim.attempts)
