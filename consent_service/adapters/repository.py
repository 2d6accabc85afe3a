"""Reads and writes of the registry's rows: the only place that knows the tables.

Statements are SQLAlchemy Core on the ORM's tables. Those of a consent write are built once,
at import, and run on the session's connection: building a statement and passing it through
the ORM's execution costs more Python time than PostgreSQL spends running it
(docs/performance.md).
"""

import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from consent_service.adapters import orm
from consent_service.domain.ledger import Checkpoint, LedgerRecord, StoredEntry


@dataclass
class SubjectRow:
    id: uuid.UUID
    email: str | None
    locale: str
    name: str | None
    external_id: str | None
    version: int
    email_confirmed_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass
class ConsentRow:
    purpose: str
    status: str
    policy_version: str
    source: str
    version: int
    updated_at: datetime


_S, _C, _L = orm.Subject.__table__, orm.Consent.__table__, orm.LedgerEntry.__table__
_SUBJECT_FIELDS = list(SubjectRow.__dataclass_fields__)
_CONSENT_FIELDS = list(ConsentRow.__dataclass_fields__)
_SUBJECT = select(*(_S.c[f] for f in _SUBJECT_FIELDS)).where(_S.c.erased_at.is_(None))
_SUBJECT_BY = {
    ("id", False): _SUBJECT.where(_S.c.id == bindparam("match")),
    ("id", True): _SUBJECT.where(_S.c.id == bindparam("match")).with_for_update(),
    ("email_key", False): _SUBJECT.where(_S.c.email_key == bindparam("match")),
    ("email_key", True): _SUBJECT.where(_S.c.email_key == bindparam("match")).with_for_update(),
}
_INSERT_SUBJECT = insert(_S)
_SET_VERSION = (
    update(_S)
    .where(_S.c.id == bindparam("match"))
    .values(version=bindparam("version"), updated_at=bindparam("updated_at"))
)
_CONSENTS_OF = select(*(_C.c[f] for f in _CONSENT_FIELDS)).where(
    _C.c.subject_id == bindparam("subject_id")
)
_INSERT_CONSENT = insert(_C)
_UPDATE_CONSENT = (
    update(_C)
    .where(
        _C.c.subject_id == bindparam("match_subject"), _C.c.purpose == bindparam("match_purpose")
    )
    .values({f: bindparam(f) for f in _CONSENT_FIELDS if f != "purpose"})
)
_LEDGER_HASH = select(_L.c.hash).where(
    _L.c.subject_id == bindparam("subject_id"), _L.c.seq == bindparam("seq")
)
_INSERT_LEDGER = insert(_L)
_INSERT_OUTBOX = insert(orm.OutboxMessage.__table__)
_VERSIONS_OF = select(_S.c.id, _S.c.version).where(_S.c.id.in_(bindparam("ids", expanding=True)))
_PURPOSE_VERSIONS_OF = select(_C.c.subject_id, _C.c.version).where(
    _C.c.subject_id.in_(bindparam("ids", expanding=True)), _C.c.purpose == bindparam("purpose")
)
_POLICY_EFFECTIVE_AT = select(orm.Policy.__table__.c.effective_at).where(
    orm.Policy.__table__.c.version == bindparam("version")
)

# Published policy versions are never edited, so their dates can be remembered; keyed by the
# database too, as one process may serve (or test) several.
_policy_dates: dict[tuple[str, str], datetime] = {}


class SqlRepository:
    """Repository over one session; the caller owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._connection: Connection | None = None

    @property
    def connection(self) -> Connection:
        """The session's connection, in the session's transaction."""
        if self._connection is None:
            self._connection = self.session.connection()
        return self._connection

    # subjects
    def _subject(self, by: str, match: Any, *, for_update: bool) -> SubjectRow | None:
        row = self.connection.execute(_SUBJECT_BY[by, for_update], {"match": match}).first()
        return SubjectRow(*row) if row else None

    def subject_by_id(
        self, subject_id: uuid.UUID, *, for_update: bool = False
    ) -> SubjectRow | None:
        return self._subject("id", subject_id, for_update=for_update)

    def subject_by_email_key(self, key: str, *, for_update: bool = False) -> SubjectRow | None:
        return self._subject("email_key", key, for_update=for_update)

    def add_subject(self, subject: SubjectRow, email_key: str) -> None:
        values = {f: getattr(subject, f) for f in _SUBJECT_FIELDS}
        self.connection.execute(_INSERT_SUBJECT, values | {"email_key": email_key})

    def set_subject_version(
        self, subject_id: uuid.UUID, version: int, now: datetime, **changes: Any
    ) -> None:
        if not changes:
            self.connection.execute(
                _SET_VERSION, {"match": subject_id, "version": version, "updated_at": now}
            )
            return
        self.connection.execute(
            update(_S)
            .where(_S.c.id == subject_id)
            .values(version=version, updated_at=now, **changes)
        )

    def subject_versions(self) -> Iterator[tuple[str, int]]:
        query = select(orm.Subject.id, orm.Subject.version).execution_options(yield_per=5000)
        for subject_id, version in self.session.execute(query):
            yield str(subject_id), version

    def versions_of(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
        """The version of each of these subjects the registry holds, erased ones included.

        The mailer's send-time fence asks this for every batch: one statement, one primary-key
        lookup per id, built once like the write path's.
        """
        rows = self.connection.execute(_VERSIONS_OF, {"ids": list(ids)})
        return {row.id: row.version for row in rows}

    def purpose_versions_of(self, ids: Collection[uuid.UUID], purpose: str) -> dict[uuid.UUID, int]:
        """The version of the last change of `purpose` for each of these subjects holding it."""
        rows = self.connection.execute(_PURPOSE_VERSIONS_OF, {"ids": list(ids), "purpose": purpose})
        return {row.subject_id: row.version for row in rows}

    def emails_of(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The current address of each of these subjects that has one (not erased)."""
        query = select(_S.c.id, _S.c.email).where(
            _S.c.id.in_(list(ids)), _S.c.erased_at.is_(None), _S.c.email.is_not(None)
        )
        return {row.id: row.email for row in self.connection.execute(query)}

    def subject_states(
        self,
        bounds: tuple[uuid.UUID, uuid.UUID] | None,
        ids: Collection[uuid.UUID] | None = None,
    ) -> Iterator[orm.Subject]:
        """Every subject, erased ones included, optionally within an id range or among ids;
        streamed."""
        query = select(orm.Subject).order_by(orm.Subject.id)
        if bounds is not None:
            query = query.where(orm.Subject.id.between(*bounds))
        if ids is not None:
            query = query.where(orm.Subject.id.in_(list(ids)))
        for row in self.session.scalars(query.execution_options(yield_per=5000)):
            yield row
            self.session.expunge(row)

    def consent_states(
        self,
        bounds: tuple[uuid.UUID, uuid.UUID] | None,
        ids: Collection[uuid.UUID] | None = None,
    ) -> Iterator[tuple[uuid.UUID, str, str, int]]:
        table = orm.Consent
        query = select(table.subject_id, table.purpose, table.status, table.version)
        if bounds is not None:
            query = query.where(table.subject_id.between(*bounds))
        if ids is not None:
            query = query.where(table.subject_id.in_(list(ids)))
        yield from self.session.execute(query.execution_options(yield_per=20000))

    # consents
    def consents_of(self, subject_id: uuid.UUID) -> dict[str, ConsentRow]:
        rows = self.connection.execute(_CONSENTS_OF, {"subject_id": subject_id})
        return {row.purpose: ConsentRow(*row) for row in rows}

    def save_consents(
        self, subject_id: uuid.UUID, rows: list[ConsentRow], existing: set[str]
    ) -> None:
        """New purposes in one multi-row INSERT, changed ones in one executemany UPDATE."""
        values = [{f: getattr(row, f) for f in _CONSENT_FIELDS} for row in rows]
        new = [v | {"subject_id": subject_id} for v in values if v["purpose"] not in existing]
        changed = [
            {k: v for k, v in value.items() if k != "purpose"}
            | {"match_subject": subject_id, "match_purpose": value["purpose"]}
            for value in values
            if value["purpose"] in existing
        ]
        if new:
            self.connection.execute(_INSERT_CONSENT, new)
        if changed:
            self.connection.execute(_UPDATE_CONSENT, changed)

    # ledger
    def ledger_hash(self, subject_id: uuid.UUID, seq: int) -> str | None:
        found = self.connection.execute(_LEDGER_HASH, {"subject_id": subject_id, "seq": seq})
        return found.scalar_one_or_none()

    def append_ledger(
        self, entries: list[tuple[LedgerRecord, str, dict[str, str] | None, str]]
    ) -> None:
        """Entries as (record, hash, evidence, evidence nonce), in chain order."""
        self.connection.execute(
            _INSERT_LEDGER,
            [
                {
                    "subject_id": uuid.UUID(record.subject_id),
                    "seq": record.seq,
                    "kind": record.kind,
                    "purpose": record.purpose,
                    "previous_status": record.previous_status,
                    "status": record.status,
                    "source": record.source,
                    "actor": record.actor,
                    "policy_version": record.policy_version,
                    "recorded_at": record.recorded_at,
                    "evidence": evidence,
                    "evidence_nonce": nonce,
                    "evidence_digest": record.evidence_digest,
                    "prev_hash": record.prev_hash,
                    "hash": entry_hash,
                }
                for record, entry_hash, evidence, nonce in entries
            ],
        )

    def history(self, subject_id: uuid.UUID) -> list[orm.LedgerEntry]:
        query = (
            select(orm.LedgerEntry)
            .where(orm.LedgerEntry.subject_id == subject_id)
            .order_by(orm.LedgerEntry.seq)
        )
        return list(self.session.scalars(query))

    def ledger_entries(
        self, after_id: int = 0, up_to_id: int | None = None
    ) -> Iterator[StoredEntry]:
        """Every entry in ledger order, streamed."""
        table = orm.LedgerEntry
        query = select(table).where(table.id > after_id).order_by(table.id)
        if up_to_id is not None:
            query = query.where(table.id <= up_to_id)
        for row in self.session.scalars(query.execution_options(yield_per=5000)):
            yield StoredEntry(
                id=row.id,
                record=LedgerRecord(
                    subject_id=str(row.subject_id),
                    seq=row.seq,
                    kind=row.kind,
                    purpose=row.purpose,
                    previous_status=row.previous_status,
                    status=row.status,
                    source=row.source,
                    actor=row.actor,
                    policy_version=row.policy_version,
                    recorded_at=row.recorded_at,
                    evidence_digest=row.evidence_digest,
                    prev_hash=row.prev_hash,
                ),
                hash=row.hash,
                evidence=row.evidence,
                evidence_nonce=row.evidence_nonce,
            )
            self.session.expunge(row)

    def last_entry_id_before(self, moment: datetime) -> int:
        query = select(func.max(orm.LedgerEntry.id)).where(orm.LedgerEntry.recorded_at < moment)
        return self.session.execute(query).scalar_one_or_none() or 0

    def checkpoints(self) -> list[Checkpoint]:
        rows = self.session.scalars(select(orm.LedgerCheckpoint).order_by(orm.LedgerCheckpoint.id))
        return [
            Checkpoint(
                id=r.id,
                created_at=r.created_at,
                first_entry_id=r.first_entry_id,
                last_entry_id=r.last_entry_id,
                entry_count=r.entry_count,
                range_digest=r.range_digest,
                prev_hash=r.prev_hash,
                hash=r.hash,
                seal=r.seal,
            )
            for r in rows
        ]

    def add_checkpoint(self, values: dict[str, Any]) -> None:
        self.session.execute(insert(orm.LedgerCheckpoint).values(**values))

    # outbox
    def add_outbox(self, messages: list[dict[str, Any]]) -> None:
        self.connection.execute(_INSERT_OUTBOX, messages)

    def claim_outbox(self, limit: int) -> list[tuple[int, uuid.UUID, str, dict[str, Any]]]:
        """The oldest unsent messages, locked against other relays (SKIP LOCKED on PostgreSQL).

        On SQLite the statement compiles without the lock clause; the relay's transaction
        began with BEGIN IMMEDIATE, which excludes every other writer instead.
        """
        table = orm.OutboxMessage
        query = (
            select(table.id, table.message_id, table.routing_key, table.payload)
            .where(table.sent_at.is_(None))
            .order_by(table.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [tuple(row) for row in self.session.execute(query)]  # type: ignore[misc]

    def mark_sent(self, ids: list[int], now: datetime) -> None:
        if ids:
            table = orm.OutboxMessage
            self.session.execute(update(table).where(table.id.in_(ids)).values(sent_at=now))

    def prune_sent_outbox(self, before: datetime) -> int:
        """Sent messages hold addresses: keep them only briefly, for inspection."""
        table = orm.OutboxMessage
        result = self.session.execute(
            delete(table).where(table.sent_at.is_not(None), table.sent_at < before)
        )
        return result.rowcount or 0

    def outbox_lag(self) -> tuple[int, datetime | None]:
        """How many messages wait to be published, and since when the oldest has waited."""
        table = orm.OutboxMessage
        query = select(func.count(), func.min(table.created_at)).where(table.sent_at.is_(None))
        count, oldest = self.session.execute(query).one()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return count, oldest

    # policies
    def policy_effective_at(self, version: str) -> datetime | None:
        key = (str(self.connection.engine.url), version)
        if key not in _policy_dates:
            found = self.connection.execute(_POLICY_EFFECTIVE_AT, {"version": version})
            effective_at = found.scalar_one_or_none()
            if effective_at is None:
                return None
            _policy_dates[key] = effective_at
        return _policy_dates[key]

    def current_policy_version(self, now: datetime) -> str | None:
        query = (
            select(orm.Policy.version)
            .where(orm.Policy.effective_at <= now)
            .order_by(orm.Policy.effective_at.desc())
            .limit(1)
        )
        return self.session.execute(query).scalar_one_or_none()

    def policies(self) -> list[tuple[str, datetime, dict[str, str]]]:
        docs: dict[str, dict[str, str]] = {}
        for version, locale, text in self.session.execute(
            select(orm.PolicyDocument.version, orm.PolicyDocument.locale, orm.PolicyDocument.text)
        ):
            docs.setdefault(version, {})[locale] = text
        rows = self.session.execute(
            select(orm.Policy.version, orm.Policy.effective_at).order_by(orm.Policy.effective_at)
        )
        return [(version, effective, docs.get(version, {})) for version, effective in rows]

    def add_policy(
        self, version: str, effective_at: datetime, documents: dict[str, str], now: datetime
    ) -> None:
        self.session.execute(
            insert(orm.Policy).values(version=version, effective_at=effective_at, created_at=now)
        )
        self.session.execute(
            insert(orm.PolicyDocument),
            [{"version": version, "locale": loc, "text": text} for loc, text in documents.items()],
        )

    # idempotency
    def idempotent_request(self, api_key_id: str, key: str) -> orm.IdempotentRequest | None:
        query = select(orm.IdempotentRequest).where(
            orm.IdempotentRequest.api_key_id == api_key_id, orm.IdempotentRequest.key == key
        )
        return self.session.scalars(query).first()

    def remember_request(self, values: dict[str, Any]) -> None:
        self.session.execute(insert(orm.IdempotentRequest).values(**values))
