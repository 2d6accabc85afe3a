"""Reads and writes of `rights_requests`: what people asked about their data, and its answer.

Apart from the repository's own rows because requests change for their own reasons (the
rights issue carries them out); it runs on the repository's connection, so it shares its
transaction.
"""

import uuid
from datetime import datetime

from sqlalchemy import Connection, func, insert, or_, select, update

from consent_service.adapters import orm
from consent_service.domain.rights_requests import CLOSED, DEFAULT_DUE_DAYS, Outcome, due_on
from consent_service.domain.tallies import local_day
from consent_service.services.ports.rights import RightsRequestRow

_R = orm.RightsRequest.__table__
_FIELDS = list(RightsRequestRow.__dataclass_fields__)
_COLUMNS = [_R.c[f] for f in _FIELDS]


class RightsStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def requests_of(self, subject_id: uuid.UUID) -> list[RightsRequestRow]:
        query = (
            select(*_COLUMNS)
            .where(_R.c.subject_id == subject_id)
            .order_by(_R.c.requested_at, _R.c.id)
        )
        return [RightsRequestRow(*row) for row in self.connection.execute(query)]

    def add_request(self, row: RightsRequestRow) -> None:
        values = {f: getattr(row, f) for f in _FIELDS}
        if values["due_on"] is None:
            values["due_on"] = due_on(local_day(row.requested_at), DEFAULT_DUE_DAYS)
        self.connection.execute(insert(_R).values(values))

    def complete_requests(self, subject_id: uuid.UUID, kind: str, now: datetime) -> int:
        result = self.connection.execute(
            update(_R)
            .where(_R.c.subject_id == subject_id, _R.c.kind == kind, _R.c.completed_at.is_(None))
            .values(
                status=CLOSED, completed_at=now, outcome=Outcome.FULFILLED, contact_address=None
            )
        )
        return result.rowcount or 0

    def forget_contact(self, subject_id: uuid.UUID, addresses: set[str]) -> int:
        mine = _R.c.subject_id == subject_id
        if addresses:
            lowered = sorted({a.lower() for a in addresses})
            mine = or_(mine, func.lower(_R.c.contact_address).in_(lowered))
        result = self.connection.execute(
            update(_R).where(mine, _R.c.contact_address.is_not(None)).values(contact_address=None)
        )
        return result.rowcount or 0

    def list_requests(self, *, closed: bool, limit: int) -> list[RightsRequestRow]:
        """Open ones by the due index (completed_at, due_on)."""
        if closed:
            query = select(*_COLUMNS).where(_R.c.completed_at.is_not(None))
            query = query.order_by(_R.c.completed_at.desc(), _R.c.id)
        else:
            query = select(*_COLUMNS).where(_R.c.completed_at.is_(None))
            query = query.order_by(_R.c.due_on, _R.c.requested_at, _R.c.id)
        return [RightsRequestRow(*row) for row in self.connection.execute(query.limit(limit))]

    def request_by_id(
        self, request_id: uuid.UUID, *, for_update: bool = False
    ) -> RightsRequestRow | None:
        query = select(*_COLUMNS).where(_R.c.id == request_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).one_or_none()
        return RightsRequestRow(*row) if row is not None else None

    def close_request(
        self, request_id: uuid.UUID, outcome: str, reason: str | None, now: datetime
    ) -> None:
        self.connection.execute(
            update(_R)
            .where(_R.c.id == request_id)
            .values(
                status=CLOSED,
                completed_at=now,
                outcome=outcome,
                reason=reason,
                contact_address=None,
            )
        )
