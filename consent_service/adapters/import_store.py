"""Reads and writes of a consent import, a batch at a time; the caller owns the transaction.

The normal write path spends a few statements on every change (docs/performance.md); an
import of a hundred thousand rows cannot. Here every read is one statement for the whole
batch (`IN` over its addresses or subject ids) and every write one multi-row INSERT or one
executemany UPDATE per table, built once at import like the repository's own. The rows
written are those of `SqlRepository.add_subject` and `save_consents`; the ledger entries and
outbox messages go through the repository's `append_ledger` and `add_outbox`, as every
change's do (services/ledger_writer.py).
"""

import uuid
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, text, update

from consent_service.adapters import orm
from consent_service.services.ports.subjects import ConsentRow, SubjectRow

_S, _C, _L = orm.Subject.__table__, orm.Consent.__table__, orm.LedgerEntry.__table__
_P, _X = orm.Policy.__table__, orm.Suppression.__table__
_SUBJECT_FIELDS = list(SubjectRow.__dataclass_fields__)
_CONSENT_FIELDS = list(ConsentRow.__dataclass_fields__)

_POLICIES = select(_P.c.version, _P.c.effective_at)
_SUPPRESSED = select(_X.c.address_hash, _X.c.reason).where(
    _X.c.address_hash.in_(bindparam("hashes", expanding=True))
)
_SUBJECTS = (
    select(_S.c.email_key, *(_S.c[f] for f in _SUBJECT_FIELDS))
    .where(_S.c.email_key.in_(bindparam("keys", expanding=True)), _S.c.erased_at.is_(None))
    .order_by(_S.c.email_key)
    .with_for_update()
)
_CONSENTS = select(_C.c.subject_id, *(_C.c[f] for f in _CONSENT_FIELDS)).where(
    _C.c.subject_id.in_(bindparam("ids", expanding=True))
)
_HEADS = (
    select(_L.c.subject_id, _L.c.hash)
    .select_from(_L.join(_S, and_(_S.c.id == _L.c.subject_id, _S.c.version == _L.c.seq)))
    .where(_S.c.id.in_(bindparam("ids", expanding=True)))
)
_INSERT_SUBJECT = insert(_S)
_SET_VERSION = (
    update(_S)
    .where(_S.c.id == bindparam("match"))
    .values(version=bindparam("version"), updated_at=bindparam("updated_at"))
)
_INSERT_CONSENT = insert(_C)
_UPDATE_CONSENT = (
    update(_C)
    .where(
        _C.c.subject_id == bindparam("match_subject"), _C.c.purpose == bindparam("match_purpose")
    )
    .values({f: bindparam(f) for f in _CONSENT_FIELDS if f != "purpose"})
)


class ImportStore:
    """The `ImportBatch` port over the repository's connection (its transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        if self.connection.dialect.name == "postgresql":
            # psycopg prepares a statement on its fifth use, and PostgreSQL may then keep a
            # generic plan made while the tables were nearly empty: a sequential scan of
            # `subjects` for every batch, which grows with every batch. Planning each
            # batch's few reads afresh costs far less (docs/performance.md).
            self.connection.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

    def policies(self) -> list[tuple[str, datetime]]:
        return [(row.version, row.effective_at) for row in self.connection.execute(_POLICIES)]

    def suppressions(self, hashes: Collection[bytes]) -> dict[bytes, set[str]]:
        """The reasons each of these address hashes is suppressed for (absent: not at all)."""
        found: dict[bytes, set[str]] = {}
        if hashes:
            for row in self.connection.execute(_SUPPRESSED, {"hashes": list(hashes)}):
                found.setdefault(bytes(row.address_hash), set()).add(row.reason)
        return found

    def subjects_for_update(self, keys: Collection[str]) -> dict[str, SubjectRow]:
        """The live subjects holding these addresses, locked in address order.

        One order for every importer keeps two concurrent imports from deadlocking; a
        request locks a single subject, so it can only wait, never deadlock, with either.
        """
        if not keys:
            return {}
        rows = self.connection.execute(_SUBJECTS, {"keys": sorted(keys)})
        return {row[0]: SubjectRow(*row[1:]) for row in rows}

    def consents_of(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, dict[str, ConsentRow]]:
        found: dict[uuid.UUID, dict[str, ConsentRow]] = {}
        if ids:
            for row in self.connection.execute(_CONSENTS, {"ids": list(ids)}):
                found.setdefault(row[0], {})[row.purpose] = ConsentRow(*row[1:])
        return found

    def ledger_heads(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The hash of each subject's newest entry (the one at its version)."""
        if not ids:
            return {}
        rows = self.connection.execute(_HEADS, {"ids": list(ids)})
        return {row.subject_id: row.hash for row in rows}

    def add_subjects(self, subjects: Iterable[tuple[SubjectRow, str]]) -> None:
        values = [
            {f: getattr(subject, f) for f in _SUBJECT_FIELDS} | {"email_key": key}
            for subject, key in subjects
        ]
        if values:
            self.connection.execute(_INSERT_SUBJECT, values)

    def set_versions(self, subjects: Iterable[SubjectRow]) -> None:
        values = [
            {"match": s.id, "version": s.version, "updated_at": s.updated_at} for s in subjects
        ]
        if values:
            self.connection.execute(_SET_VERSION, values)

    def save_consents(
        self,
        new: Iterable[tuple[uuid.UUID, ConsentRow]],
        changed: Iterable[tuple[uuid.UUID, ConsentRow]],
    ) -> None:
        """Purposes a subject did not hold yet in one multi-row INSERT, the rest in one UPDATE."""
        inserted = [_consent_values(row) | {"subject_id": sid} for sid, row in new]
        updated: list[dict[str, Any]] = [
            {k: v for k, v in _consent_values(row).items() if k != "purpose"}
            | {"match_subject": sid, "match_purpose": row.purpose}
            for sid, row in changed
        ]
        if inserted:
            self.connection.execute(_INSERT_CONSENT, inserted)
        if updated:
            self.connection.execute(_UPDATE_CONSENT, updated)


def _consent_values(row: ConsentRow) -> dict[str, Any]:
    return {f: getattr(row, f) for f in _CONSENT_FIELDS}
