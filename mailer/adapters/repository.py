"""The mailer's database in one transaction: the view's reads and writes, and a store per
concern of the runs and queues beside it.

The view's statements are SQLAlchemy Core on the ORM's tables, in the caller's transaction.
A write is the difference between the view before and after a fact, so applying an event
touches only the rows it changes. `MailerStore` is what every port of `mailer.services`
asks a transaction for (the services' Protocols); `tests/fakes/mailer.py` is the same in
memory.
"""

import heapq
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from mailer.adapters import orm
from mailer.adapters.confirmation_store import SqlConfirmations
from mailer.adapters.retention_store import SqlRetention
from mailer.adapters.runs.leases import SqlLeases
from mailer.adapters.runs.ledger import SqlLedger
from mailer.adapters.runs.planning import SqlPlanning
from mailer.adapters.runs.reports import SqlReports
from mailer.adapters.runs.requests import SqlCampaigns
from mailer.adapters.send_history import SqlSendHistory
from mailer.adapters.sql import among, chunks, dialect_insert
from mailer.domain.events import Contact, PurposeState
from mailer.domain.recipients import Recipient, SubjectView, id_range
from plumbing.catch_up import bucket_of

# PostgreSQL's two-key advisory locks have a key space apart from the one-key form; this
# first key ("mail") keeps the mailer's locks apart from anyone else's in a shared database.
_LOCK_CLASS = 0x6D61696C
_R, _C, _E = orm.Recipient, orm.RecipientConsent, orm.ErasedSubject
STREAM_BATCH = 1000


class MailerStore:
    """The mailer's tables over one session; the caller owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = dialect = session.get_bind().dialect.name
        self.campaigns = SqlCampaigns(session, dialect)
        self.planning = SqlPlanning(session)
        self.ledger = SqlLedger(session, dialect)
        self.batches = SqlLeases(session, self.ledger)
        self.reports = SqlReports(session)
        self.confirmations = SqlConfirmations(session, dialect)
        self.retention = SqlRetention(session)
        self.history = SqlSendHistory(session)

    def record_message(self, message_id: uuid.UUID, now: datetime) -> bool:
        """Remember a message id; False if it was there already (a duplicate delivery).

        ON CONFLICT DO NOTHING makes a concurrent duplicate wait for the first transaction
        and then insert nothing, instead of failing.
        """
        statement = dialect_insert(self.dialect, orm.ProcessedMessage).values(
            message_id=message_id, processed_at=now
        )
        inserted = statement.on_conflict_do_nothing().returning(orm.ProcessedMessage.message_id)
        return self.session.execute(inserted).first() is not None

    def lock(self, subject_id: uuid.UUID) -> None:
        """Serialise work on a subject (in fact on its whole bucket) until the transaction ends.

        Two consumers applying events of one subject would otherwise both read the old view
        and the last writer would undo the other's change. Locking the bucket rather than the
        subject lets catch-up lock a whole bucket with one lock; consumers of two subjects of
        one bucket (1 in 256) merely wait a few milliseconds for each other. SQLite needs
        nothing: every transaction began with BEGIN IMMEDIATE and holds the database.
        """
        self.lock_bucket(bucket_of(str(subject_id)))

    def lock_bucket(self, bucket: str) -> None:
        if self.dialect == "postgresql":
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:class_key, :bucket_key)"),
                {"class_key": _LOCK_CLASS, "bucket_key": int(bucket, 16)},
            )

    def versions(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """The version the view holds of each id: the recipient's, else its tombstone's.

        Absent ids are subjects the view knows nothing about (version 0 for the caller).
        """
        found: dict[uuid.UUID, int] = {}
        for chunk in chunks(ids):
            for table in (_E, _R):
                query = select(table.subject_id, table.version).where(
                    among(self.dialect, table.subject_id, chunk)
                )
                found.update(dict(self.session.execute(query).all()))
        return found

    def erased_among(self, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """The subjects among `ids` the view holds a tombstone for."""
        found: set[uuid.UUID] = set()
        for chunk in chunks(ids):
            query = select(_E.subject_id).where(among(self.dialect, _E.subject_id, chunk))
            found.update(self.session.execute(query).scalars())
        return found

    def suppressed_among(self, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """The recipients among `ids` whose address is suppressed."""
        found: set[uuid.UUID] = set()
        for chunk in chunks(ids):
            query = select(_R.subject_id).where(
                among(self.dialect, _R.subject_id, chunk), _R.suppressed.is_(True)
            )
            found.update(self.session.execute(query).scalars())
        return found

    def purpose_versions(self, ids: Sequence[uuid.UUID], purpose: str) -> dict[uuid.UUID, int]:
        """The version of the `purpose` status the view holds for each id that has one."""
        found: dict[uuid.UUID, int] = {}
        for chunk in chunks(ids):
            query = select(_C.subject_id, _C.version).where(
                among(self.dialect, _C.subject_id, chunk), _C.purpose == purpose
            )
            found.update(dict(self.session.execute(query).all()))
        return found

    def load(self, subject_id: uuid.UUID) -> SubjectView:
        found = list(self.views(subject_id, subject_id))
        return found[0] if found else SubjectView(subject_id)

    def bucket(self, bucket: str) -> dict[uuid.UUID, SubjectView]:
        """Every subject held in one catch-up bucket, recipients and tombstones alike."""
        return {view.subject_id: view for view in self.views(*id_range(bucket))}

    def views(
        self, low: uuid.UUID, high: uuid.UUID, *, stream: bool = False
    ) -> Iterator[SubjectView]:
        """Every subject with an id from `low` to `high`, in id order.

        Three ordered queries (recipients, their consents, tombstones) merged by id; with
        `stream` they are read in batches, so a whole view can be walked in little memory.
        """
        options = {"yield_per": STREAM_BATCH} if stream else {}

        def rows(kind: str, *columns: Any) -> Iterator[tuple[uuid.UUID, str, Any]]:
            key = columns[0]
            query = select(*columns).where(key.between(low, high)).order_by(key)
            for row in self.session.execute(query.execution_options(**options)):
                yield row.subject_id, kind, row

        merged = heapq.merge(
            rows(
                "recipient",
                *(_R.subject_id, _R.email, _R.locale, _R.name, _R.version, _R.contact_version),
                _R.suppressed,
                _R.attributes,
            ),
            rows("consent", _C.subject_id, _C.purpose, _C.status, _C.version),
            rows("erased", _E.subject_id, _E.version),
            key=itemgetter(0),
        )
        for subject_id, group in groupby(merged, key=itemgetter(0)):
            yield _view(subject_id, [(kind, row) for _, kind, row in group])

    def save(self, before: SubjectView, after: SubjectView, now: datetime) -> None:
        """Write what changed between two views of one subject."""
        subject_id = after.subject_id
        if after.erased_version != before.erased_version:
            if before.erased_version is None:
                self.session.execute(
                    insert(_E).values(subject_id=subject_id, version=after.erased_version)
                )
                self._forget_contact(subject_id)
            else:
                self.session.execute(
                    update(_E)
                    .where(_E.subject_id == subject_id)
                    .values(version=after.erased_version)
                )
        old, new = before.recipient, after.recipient
        if new is None:
            if old is not None:
                self.session.execute(delete(_C).where(_C.subject_id == subject_id))
                self.session.execute(delete(_R).where(_R.subject_id == subject_id))
            return
        if old != new:
            self._save_recipient(old, new, now)

    def _forget_contact(self, subject_id: uuid.UUID) -> None:
        """Erasure, by event or by catch-up: what names the person beyond the view goes too.

        Their confirmation emails (with the address) are deleted; the send ledger keeps its
        rows, so a run's counts still add up, but not the reasons, which may quote an SMTP
        reply naming the address.
        """
        self.confirmations.delete_of(subject_id)
        self.session.execute(
            update(orm.Delivery).where(orm.Delivery.subject_id == subject_id).values(reason=None)
        )

    def _save_recipient(self, old: Recipient | None, new: Recipient, now: datetime) -> None:
        subject_id = new.subject_id
        values = {
            "email": new.contact.email,
            "locale": new.contact.locale,
            "name": new.contact.name,
            "version": new.version,
            "contact_version": new.contact_version,
            "suppressed": new.suppressed,
            "attributes": dict(new.contact.attributes) if new.contact.attributes else None,
            "updated_at": now,
        }
        if old is None:
            self.session.execute(insert(_R).values(subject_id=subject_id, **values))
        else:
            self.session.execute(update(_R).where(_R.subject_id == subject_id).values(**values))
        held = old.consents if old else {}
        gone = [purpose for purpose in held if purpose not in new.consents]
        if gone:
            self.session.execute(
                delete(_C).where(_C.subject_id == subject_id, _C.purpose.in_(gone))
            )
        for purpose, state in new.consents.items():
            if purpose not in held:
                self.session.execute(
                    insert(_C).values(
                        subject_id=subject_id,
                        purpose=purpose,
                        status=state.status,
                        version=state.version,
                    )
                )
            elif held[purpose] != state:
                self.session.execute(
                    update(_C)
                    .where(_C.subject_id == subject_id, _C.purpose == purpose)
                    .values(status=state.status, version=state.version)
                )


def _view(subject_id: uuid.UUID, rows: list[tuple[str, Any]]) -> SubjectView:
    """One subject's view from its rows of the three tables."""
    recipient, erased_version = None, None
    consents = {
        r.purpose: PurposeState(r.status, r.version) for kind, r in rows if kind == "consent"
    }
    for kind, row in rows:
        if kind == "recipient":
            recipient = Recipient(
                subject_id=subject_id,
                version=row.version,
                contact=Contact(row.email, row.locale, row.name, row.attributes or None),
                contact_version=row.contact_version,
                consents=consents,
                suppressed=row.suppressed,
            )
        elif kind == "erased":
            erased_version = row.version
    return SubjectView(subject_id, recipient, erased_version)


MailerTransaction = Callable[[], AbstractContextManager[MailerStore]]
"""What `partial(transaction, sessions)` is: how the entrypoints open the mailer's database."""


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[MailerStore]:
    """A store in a new transaction, committed when the block ends without an error."""
    with sessions() as session, session.begin():
        yield MailerStore(session)
