"""The relay's reads and writes of the outbox: the oldest unsent messages, then marked sent;
the caller owns the transaction."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from consent_service.adapters import orm
from plumbing.db import changed_rows

_O = orm.OutboxMessage.__table__


class OutboxRelayStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim_outbox(self, limit: int) -> list[tuple[int, uuid.UUID, str, dict[str, Any]]]:
        """The oldest unsent messages, locked against other relays (SKIP LOCKED on PostgreSQL).

        On SQLite the statement compiles without the lock clause; the relay's transaction
        began with BEGIN IMMEDIATE, which excludes every other writer instead.
        """
        query = (
            select(_O.c.id, _O.c.message_id, _O.c.routing_key, _O.c.payload)
            .where(_O.c.sent_at.is_(None))
            .order_by(_O.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = self.session.execute(query)
        return [(row.id, row.message_id, row.routing_key, row.payload) for row in rows]

    def mark_sent(self, ids: list[int], now: datetime) -> None:
        if ids:
            self.session.execute(update(_O).where(_O.c.id.in_(ids)).values(sent_at=now))

    def prune_sent_outbox(self, before: datetime) -> int:
        """Sent messages hold addresses: keep them only briefly, for inspection."""
        statement = delete(_O).where(_O.c.sent_at.is_not(None), _O.c.sent_at < before)
        return changed_rows(self.session, statement) or 0

    def outbox_lag(self) -> tuple[int, datetime | None]:
        query = select(func.count(), func.min(_O.c.created_at)).where(_O.c.sent_at.is_(None))
        count, oldest = self.session.execute(query).one()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return count, oldest
