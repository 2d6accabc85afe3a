"""The reads and deletes of the retention rules; the caller owns the transaction.

Candidates are listed in one statement per rule; what changes a person's consent or erases
them goes through the services, one subject at a time, after a fresh look under lock.
"""

import uuid
from datetime import datetime

from sqlalchemy import delete, exists, func, select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.domain.consent import ConsentStatus

_S, _C = orm.Subject.__table__, orm.Consent.__table__
_TOKENS = orm.UsedLinkToken.__table__
_WEBHOOK_EVENTS = orm.WebhookEvent.__table__
_IDEMPOTENCY = orm.IdempotentRequest.__table__


def inactive_subjects(registry: SqlRepository, changed_before: datetime) -> list[uuid.UUID]:
    """Live subjects unchanged since before the cutoff and holding no granted consent."""
    granted = exists().where(_C.c.subject_id == _S.c.id, _C.c.status == ConsentStatus.GRANTED.value)
    query = (
        select(_S.c.id)
        .where(_S.c.erased_at.is_(None), _S.c.updated_at < changed_before, ~granted)
        .order_by(_S.c.id)
    )
    return list(registry.connection.execute(query).scalars())


def expired_pending(registry: SqlRepository, updated_before: datetime) -> dict[uuid.UUID, int]:
    """Subjects with consents pending since before the cutoff, and how many each has."""
    query = (
        select(_C.c.subject_id, func.count().label("count"))
        .where(_C.c.status == ConsentStatus.PENDING.value, _C.c.updated_at < updated_before)
        .group_by(_C.c.subject_id)
        .order_by(_C.c.subject_id)
    )
    return {row.subject_id: row.count for row in registry.connection.execute(query)}


_DATED = {
    "used_link_tokens": (_TOKENS, _TOKENS.c.expires_at),
    "webhook_events": (_WEBHOOK_EVENTS, _WEBHOOK_EVENTS.c.received_at),
    "idempotency_keys": (_IDEMPOTENCY, _IDEMPOTENCY.c.created_at),
}
DATED_TABLES = tuple(_DATED)


def count_before(registry: SqlRepository, table: str, cutoff: datetime) -> int:
    rows, dated = _DATED[table]
    query = select(func.count()).select_from(rows).where(dated < cutoff)
    return registry.connection.execute(query).scalar_one()


def delete_before(registry: SqlRepository, table: str, cutoff: datetime) -> int:
    rows, dated = _DATED[table]
    return registry.connection.execute(delete(rows).where(dated < cutoff)).rowcount or 0
