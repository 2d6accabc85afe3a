"""Reads and writes of `rights_requests`: what people asked about their data, and its answer.

Apart from the SqlRepository because requests change for their own reasons (the rights issue
carries them out); it runs on the SqlRepository's connection, so it shares its transaction.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository

_R = orm.RightsRequest.__table__


@dataclass(frozen=True)
class RightsRequestRow:
    id: uuid.UUID
    subject_id: uuid.UUID
    kind: str
    source: str
    status: str
    requested_at: datetime
    completed_at: datetime | None


_FIELDS = list(RightsRequestRow.__dataclass_fields__)


def requests_of(registry: SqlRepository, subject_id: uuid.UUID) -> list[RightsRequestRow]:
    """Every request of the subject, oldest first."""
    query = (
        select(*(_R.c[f] for f in _FIELDS))
        .where(_R.c.subject_id == subject_id)
        .order_by(_R.c.requested_at, _R.c.id)
    )
    return [RightsRequestRow(*row) for row in registry.connection.execute(query)]


def open_request(
    registry: SqlRepository, subject_id: uuid.UUID, kind: str
) -> RightsRequestRow | None:
    """The subject's request of this kind not yet completed, if any."""
    return next(
        (r for r in requests_of(registry, subject_id) if r.kind == kind and r.completed_at is None),
        None,
    )


def add_request(registry: SqlRepository, row: RightsRequestRow) -> None:
    registry.connection.execute(insert(_R).values({f: getattr(row, f) for f in _FIELDS}))
