"""Reads and writes of `link_emails`: the emails with a fresh link that public pages sent on
a person's request, kept one day to count them; runs in the caller's transaction."""

import uuid
from datetime import datetime

from sqlalchemy import delete, func, insert, select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository

_E = orm.LinkEmail.__table__


def count_since(registry: SqlRepository, subject_id: uuid.UUID, kind: str, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(_E)
        .where(_E.c.subject_id == subject_id, _E.c.kind == kind, _E.c.requested_at >= since)
    )
    return registry.connection.execute(query).scalar_one()


def add(registry: SqlRepository, subject_id: uuid.UUID, kind: str, now: datetime) -> None:
    registry.connection.execute(
        insert(_E).values(subject_id=subject_id, kind=kind, requested_at=now)
    )


def prune(registry: SqlRepository, before: datetime) -> int:
    """Forget every request older than `before`, whoever made it: none counts any more."""
    return registry.connection.execute(delete(_E).where(_E.c.requested_at < before)).rowcount


def delete_of(registry: SqlRepository, subject_id: uuid.UUID) -> int:
    """Erasure: the subject's requests go with the rest."""
    return registry.connection.execute(delete(_E).where(_E.c.subject_id == subject_id)).rowcount
