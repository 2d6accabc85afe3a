"""Reading the whole ledger back in order, and the sealed checkpoints over it (the audit);
the caller owns the transaction."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select
from sqlalchemy.orm import Session

from consent_service.adapters import orm
from consent_service.domain.ledger import Checkpoint, LedgerRecord, StoredEntry, Verification

_L, _K, _S = orm.LedgerEntry.__table__, orm.LedgerCheckpoint.__table__, orm.Subject.__table__
_V = orm.AuditVerification.__table__
_CHECKPOINT_FIELDS = list(Checkpoint.__dataclass_fields__)
_VERIFICATION_FIELDS = list(Verification.__dataclass_fields__)
_RECORD_FIELDS = list(LedgerRecord.__dataclass_fields__)
ENTRY_COLUMNS = (
    _L.c.id,
    *(_L.c[f] for f in _RECORD_FIELDS if f != "seq"),
    _L.c.seq,
    _L.c.hash,
    _L.c.evidence,
    _L.c.evidence_nonce,
)
"""A ledger row's columns in the order `stored_entry` reads them."""


def stored_entry(row: Row[Any]) -> StoredEntry:
    values = row._mapping
    return StoredEntry(
        id=values["id"],
        record=LedgerRecord(
            **{f: values[f] for f in _RECORD_FIELDS} | {"subject_id": str(values["subject_id"])}
        ),
        hash=values["hash"],
        evidence=values["evidence"],
        evidence_nonce=values["evidence_nonce"],
    )


class LedgerAuditStore:
    """Streams the ledger in id order, as the verifier and the checkpoints need it."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def ledger_entries(
        self, after_id: int = 0, up_to_id: int | None = None
    ) -> Iterator[StoredEntry]:
        query = select(*ENTRY_COLUMNS).where(_L.c.id > after_id).order_by(_L.c.id)
        if up_to_id is not None:
            query = query.where(_L.c.id <= up_to_id)
        for row in self.session.execute(query.execution_options(yield_per=5000)):
            yield stored_entry(row)

    def subject_versions(self) -> Iterator[tuple[str, int]]:
        query = select(_S.c.id, _S.c.version).execution_options(yield_per=5000)
        for subject_id, version in self.session.execute(query):
            yield str(subject_id), version

    def last_entry_id_before(self, moment: datetime) -> int:
        query = select(func.max(_L.c.id)).where(_L.c.recorded_at < moment)
        return self.session.execute(query).scalar_one_or_none() or 0

    def checkpoints(self) -> list[Checkpoint]:
        query = select(*(_K.c[f] for f in _CHECKPOINT_FIELDS)).order_by(_K.c.id)
        return [Checkpoint(*row) for row in self.session.execute(query)]

    def last_checkpoint(self) -> Checkpoint | None:
        query = select(*(_K.c[f] for f in _CHECKPOINT_FIELDS)).order_by(_K.c.id.desc()).limit(1)
        row = self.session.execute(query).first()
        return Checkpoint(*row) if row else None

    def add_checkpoint(self, values: dict[str, Any]) -> None:
        self.session.execute(insert(_K).values(**values))

    def add_verification(self, verification: Verification) -> None:
        values = {f: getattr(verification, f) for f in _VERIFICATION_FIELDS}
        self.session.execute(insert(_V).values(values | {"findings": list(verification.findings)}))

    def last_verification(self) -> Verification | None:
        query = select(*(_V.c[f] for f in _VERIFICATION_FIELDS)).order_by(_V.c.id.desc()).limit(1)
        row = self.session.execute(query).first()
        if row is None:
            return None
        values = dict(row._mapping)
        return Verification(**values | {"findings": tuple(values["findings"])})
