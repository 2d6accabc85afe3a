"""Reads and writes of `rights_requests`: what people asked about their data, and its answer.

Apart from the repository's own rows because requests change for their own reasons (the
rights issue carries them out); it runs on the repository's connection, so it shares its
transaction.
"""

import uuid
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from consent_service.adapters import orm
from consent_service.services.ports.rights import RightsRequestRow

_R = orm.RightsRequest.__table__
_FIELDS = list(RightsRequestRow.__dataclass_fields__)


class RightsStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def requests_of(self, subject_id: uuid.UUID) -> list[RightsRequestRow]:
        query = (
            select(*(_R.c[f] for f in _FIELDS))
            .where(_R.c.subject_id == subject_id)
            .order_by(_R.c.requested_at, _R.c.id)
        )
        return [RightsRequestRow(*row) for row in self.connection.execute(query)]

    def add_request(self, row: RightsRequestRow) -> None:
        self.connection.execute(insert(_R).values({f: getattr(row, f) for f in _FIELDS}))

    def complete_requests(self, subject_id: uuid.UUID, kind: str, now: datetime) -> int:
        result = self.connection.execute(
            update(_R)
            .where(_R.c.subject_id == subject_id, _R.c.kind == kind, _R.c.completed_at.is_(None))
            .values(status="completed", completed_at=now)
        )
        return result.rowcount or 0
