"""The registry's repository in SQL: the services' `Repository` port over one session.

It reads and writes the rows of a consent change itself (subject, consents, policy, ledger,
outbox, stored answers) and hands out the stores of the other tables (`adapters/*_store.py`
and the like), each on the same session, so everything shares the caller's transaction.

Statements are SQLAlchemy Core on the ORM's tables. Those of a consent write are built once,
at import, and run on the session's connection: building a statement and passing it through
the ORM's execution costs more Python time than PostgreSQL spends running it
(docs/performance.md).
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import Session

from consent_service.adapters import metrics, orm
from consent_service.adapters.campaign_store import CampaignStore
from consent_service.adapters.erasure_store import ErasureStore
from consent_service.adapters.form_store import FormStore
from consent_service.adapters.import_store import ImportStore
from consent_service.adapters.key_store import KeyStore
from consent_service.adapters.layout_store import LayoutStore
from consent_service.adapters.ledger_audit import ENTRY_COLUMNS, LedgerAuditStore, stored_entry
from consent_service.adapters.link_email_store import LinkEmailStore
from consent_service.adapters.outbox_relay import OutboxRelayStore
from consent_service.adapters.retention_store import RetentionStore
from consent_service.adapters.rights_store import RightsStore
from consent_service.adapters.suppression_store import SuppressionStore
from consent_service.adapters.sync_reads import SyncReadStore
from consent_service.adapters.tally_store import TallyStore
from consent_service.adapters.transfer_store import TransferStore
from consent_service.adapters.webhook_store import WebhookStore
from consent_service.domain.ledger import StoredEntry
from consent_service.domain.tallies import ConsentTally
from consent_service.services.ports.idempotency import StoredAnswer
from consent_service.services.ports.ledger import LedgerRow
from consent_service.services.ports.meters import ChangeKey
from consent_service.services.ports.outbox import OutboxRow
from consent_service.services.ports.subjects import ConsentRow, SubjectRow

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
_BY_EXTERNAL_ID = (
    _SUBJECT.where(_S.c.external_id == bindparam("match")).order_by(_S.c.id).limit(bindparam("n"))
)
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
_HISTORY = (
    select(*ENTRY_COLUMNS).where(_L.c.subject_id == bindparam("subject_id")).order_by(_L.c.seq)
)
_INSERT_LEDGER = insert(_L)
_INSERT_OUTBOX = insert(orm.OutboxMessage.__table__)
_I = orm.IdempotentRequest.__table__
_STORED_ANSWER = select(_I.c.request_hash, _I.c.status_code, _I.c.response).where(
    _I.c.api_key_id == bindparam("api_key_id"), _I.c.key == bindparam("key")
)
_INSERT_ANSWER = insert(_I)
_POLICY_EFFECTIVE_AT = select(orm.Policy.__table__.c.effective_at).where(
    orm.Policy.__table__.c.version == bindparam("version")
)

# Published policy versions are never edited, so their dates can be remembered; keyed by the
# database too, as one process may serve (or test) several.
_policy_dates: dict[tuple[str, str], datetime] = {}


class SqlRepository:
    """The `Repository` port over one session; the caller owns the transaction."""

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

    def subjects_by_external_id(self, external_id: str, limit: int) -> list[SubjectRow]:
        rows = self.connection.execute(_BY_EXTERNAL_ID, {"match": external_id, "n": limit})
        return [SubjectRow(*row) for row in rows]

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

    def append_ledger(self, entries: list[LedgerRow]) -> None:
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

    def history(self, subject_id: uuid.UUID) -> list[StoredEntry]:
        rows = self.connection.execute(_HISTORY, {"subject_id": subject_id})
        return [stored_entry(row) for row in rows]

    # outbox
    def add_outbox(self, messages: list[OutboxRow]) -> None:
        self.connection.execute(_INSERT_OUTBOX, messages)

    # running counts
    def add_to_tallies(self, tally: ConsentTally) -> None:
        self.tallies.add_to_tallies(tally)

    def count_consent_changes(self, changes: Mapping[ChangeKey, int]) -> None:
        metrics.count_when_committed(self.session, changes)

    @cached_property
    def tallies(self) -> TallyStore:
        return TallyStore(self.connection)

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

    def policies(self) -> list[tuple[str, datetime, dict[str, str], str | None]]:
        docs: dict[str, dict[str, str]] = {}
        for version, locale, text in self.session.execute(
            select(orm.PolicyDocument.version, orm.PolicyDocument.locale, orm.PolicyDocument.text)
        ):
            docs.setdefault(version, {})[locale] = text
        rows = self.session.execute(
            select(orm.Policy.version, orm.Policy.effective_at, orm.Policy.published_by).order_by(
                orm.Policy.effective_at
            )
        )
        return [
            (version, effective, docs.get(version, {}), published_by)
            for version, effective, published_by in rows
        ]

    def add_policy(
        self,
        version: str,
        effective_at: datetime,
        documents: dict[str, str],
        now: datetime,
        published_by: str | None = None,
    ) -> None:
        self.session.execute(
            insert(orm.Policy).values(
                version=version,
                effective_at=effective_at,
                created_at=now,
                published_by=published_by,
            )
        )
        self.session.execute(
            insert(orm.PolicyDocument),
            [{"version": version, "locale": loc, "text": text} for loc, text in documents.items()],
        )

    # idempotency
    def idempotent_request(self, api_key_id: str, key: str) -> StoredAnswer | None:
        found = self.connection.execute(_STORED_ANSWER, {"api_key_id": api_key_id, "key": key})
        row = found.first()
        return StoredAnswer(*row) if row else None

    def remember_request(
        self,
        api_key_id: str,
        key: str,
        answer: StoredAnswer,
        subject_id: uuid.UUID | None,
        now: datetime,
    ) -> None:
        values = {
            "api_key_id": api_key_id,
            "key": key,
            "request_hash": answer.request_hash,
            "status_code": answer.status_code,
            "response": answer.response,
            "subject_id": subject_id,
            "created_at": now,
        }
        self.connection.execute(_INSERT_ANSWER, values)

    # the other tables' stores, on this session
    @cached_property
    def sync(self) -> SyncReadStore:
        return SyncReadStore(self.session)

    @cached_property
    def audit(self) -> LedgerAuditStore:
        return LedgerAuditStore(self.session)

    @cached_property
    def relay(self) -> OutboxRelayStore:
        return OutboxRelayStore(self.session)

    @cached_property
    def suppressions(self) -> SuppressionStore:
        return SuppressionStore(self.connection)

    @cached_property
    def personal_data(self) -> ErasureStore:
        return ErasureStore(self.connection)

    @cached_property
    def rights(self) -> RightsStore:
        return RightsStore(self.connection)

    @cached_property
    def link_emails(self) -> LinkEmailStore:
        return LinkEmailStore(self.connection)

    @cached_property
    def forms(self) -> FormStore:
        return FormStore(self.connection)

    @cached_property
    def api_keys(self) -> KeyStore:
        return KeyStore(self.connection)

    @cached_property
    def transfers(self) -> TransferStore:
        return TransferStore(self.connection)

    @cached_property
    def webhook_events(self) -> WebhookStore:
        return WebhookStore(self.connection)

    @cached_property
    def retention(self) -> RetentionStore:
        return RetentionStore(self.connection)

    @cached_property
    def layouts(self) -> LayoutStore:
        return LayoutStore(self.connection)

    @cached_property
    def campaigns(self) -> CampaignStore:
        return CampaignStore(self.session, outbox=self)

    def import_batch(self) -> ImportStore:
        return ImportStore(self.connection)
