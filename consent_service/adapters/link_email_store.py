"""Reads and writes of `link_emails`: the emails with a fresh link that public pages sent on
a person's request, kept one day to count them; runs in the caller's transaction."""

import uuid
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select

from consent_service.adapters import orm

_E = orm.LinkEmail.__table__


class LinkEmailStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def count_since(self, subject_id: uuid.UUID, kind: str, since: datetime) -> int:
        query = (
            select(func.count())
            .select_from(_E)
            .where(_E.c.subject_id == subject_id, _E.c.kind == kind, _E.c.requested_at >= since)
        )
        return self.connection.execute(query).scalar_one()

    def add(self, subject_id: uuid.UUID, kind: str, now: datetime) -> None:
        self.connection.execute(
            insert(_E).values(subject_id=subject_id, kind=kind, requested_at=now)
        )

    def prune(self, before: datetime) -> int:
        return self.connection.execute(delete(_E).where(_E.c.requested_at < before)).rowcount

    def delete_of(self, subject_id: uuid.UUID) -> int:
        """Erasure: the subject's requests go with the rest."""
        return self.connection.execute(delete(_E).where(_E.c.subject_id == subject_id)).rowcount
