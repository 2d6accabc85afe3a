"""What the mailer's catch-up and send-time fence read of every subject, erased or not; the
caller owns the transaction. Listings are streamed: a bucket may hold many thousand rows."""

import uuid
from collections.abc import Collection, Iterator

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from consent_service.adapters import orm
from consent_service.services.ports.subjects import SubjectState

_S, _C = orm.Subject.__table__, orm.Consent.__table__
_VERSIONS_OF = select(_S.c.id, _S.c.version).where(_S.c.id.in_(bindparam("ids", expanding=True)))
_PURPOSE_VERSIONS_OF = select(_C.c.subject_id, _C.c.version).where(
    _C.c.subject_id.in_(bindparam("ids", expanding=True)), _C.c.purpose == bindparam("purpose")
)
_STATES = select(
    _S.c.id,
    _S.c.version,
    _S.c.erased_at.is_not(None),
    _S.c.email,
    _S.c.locale,
    _S.c.name,
    _S.c.attributes,
).order_by(_S.c.id)


class SyncReadStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def versions_of(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
        """The fence asks this for every send batch: one statement, built once like the
        write path's, one primary-key lookup per id."""
        rows = self.session.connection().execute(_VERSIONS_OF, {"ids": list(ids)})
        return {row.id: row.version for row in rows}

    def purpose_versions_of(self, ids: Collection[uuid.UUID], purpose: str) -> dict[uuid.UUID, int]:
        rows = self.session.connection().execute(
            _PURPOSE_VERSIONS_OF, {"ids": list(ids), "purpose": purpose}
        )
        return {row.subject_id: row.version for row in rows}

    def emails_of(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        query = select(_S.c.id, _S.c.email).where(
            _S.c.id.in_(list(ids)), _S.c.erased_at.is_(None), _S.c.email.is_not(None)
        )
        return {row.id: row.email for row in self.session.execute(query)}

    def subject_states(
        self,
        bounds: tuple[uuid.UUID, uuid.UUID] | None,
        ids: Collection[uuid.UUID] | None = None,
    ) -> Iterator[SubjectState]:
        query = _STATES
        if bounds is not None:
            query = query.where(_S.c.id.between(*bounds))
        if ids is not None:
            query = query.where(_S.c.id.in_(list(ids)))
        for row in self.session.execute(query.execution_options(yield_per=5000)):
            yield SubjectState(*row)

    def consent_states(
        self,
        bounds: tuple[uuid.UUID, uuid.UUID] | None,
        ids: Collection[uuid.UUID] | None = None,
    ) -> Iterator[tuple[uuid.UUID, str, str, int]]:
        query = select(_C.c.subject_id, _C.c.purpose, _C.c.status, _C.c.version)
        if bounds is not None:
            query = query.where(_C.c.subject_id.between(*bounds))
        if ids is not None:
            query = query.where(_C.c.subject_id.in_(list(ids)))
        for row in self.session.execute(query.execution_options(yield_per=20000)):
            yield row.subject_id, row.purpose, row.status, row.version
