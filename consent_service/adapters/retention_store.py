"""The reads and deletes of the retention rules; the caller owns the transaction.

Candidates are listed in one statement per rule; what changes a person's consent or erases
them goes through the services, one subject at a time, after a fresh look under lock.
"""

import uuid
from datetime import datetime

from sqlalchemy import Column, Connection, Table, delete, exists, func, select

from consent_service.adapters import orm
from consent_service.domain.consent import ConsentStatus
from consent_service.domain.retention import Rule

_S, _C = orm.Subject.__table__, orm.Consent.__table__
_TOKENS = orm.UsedLinkToken.__table__
_WEBHOOK_EVENTS = orm.WebhookEvent.__table__
_IDEMPOTENCY = orm.IdempotentRequest.__table__
_DATED: dict[Rule, tuple[Table, Column]] = {
    Rule.USED_LINK_TOKENS: (_TOKENS, _TOKENS.c.expires_at),
    Rule.WEBHOOK_EVENTS: (_WEBHOOK_EVENTS, _WEBHOOK_EVENTS.c.received_at),
    Rule.IDEMPOTENCY_KEYS: (_IDEMPOTENCY, _IDEMPOTENCY.c.created_at),
}
"""The table of each rule that deletes by date, and the date it goes by."""


class RetentionStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def inactive_subjects(self, changed_before: datetime) -> list[uuid.UUID]:
        granted = exists().where(
            _C.c.subject_id == _S.c.id, _C.c.status == ConsentStatus.GRANTED.value
        )
        query = (
            select(_S.c.id)
            .where(_S.c.erased_at.is_(None), _S.c.updated_at < changed_before, ~granted)
            .order_by(_S.c.id)
        )
        return list(self.connection.execute(query).scalars())

    def expired_pending(self, updated_before: datetime) -> dict[uuid.UUID, int]:
        query = (
            select(_C.c.subject_id, func.count().label("pending"))
            .where(_C.c.status == ConsentStatus.PENDING.value, _C.c.updated_at < updated_before)
            .group_by(_C.c.subject_id)
            .order_by(_C.c.subject_id)
        )
        return {row.subject_id: row.pending for row in self.connection.execute(query)}

    def count_before(self, rule: Rule, cutoff: datetime) -> int:
        rows, dated = _DATED[rule]
        query = select(func.count()).select_from(rows).where(dated < cutoff)
        return self.connection.execute(query).scalar_one()

    def delete_before(self, rule: Rule, cutoff: datetime) -> int:
        rows, dated = _DATED[rule]
        return self.connection.execute(delete(rows).where(dated < cutoff)).rowcount or 0
