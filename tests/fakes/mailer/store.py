"""The mailer's database in memory: `FakeDatabase.transaction` gives a `FakeStore`.

A transaction works on a copy of the tables and keeps it only when its block ends without an
error, so a crash inside one rolls everything back, as in the database. Transactions run one
at a time (SQLite's BEGIN IMMEDIATE), so the lease keeper's thread waits for the sender's.
"""

import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import datetime

from mailer.domain.recipients import SubjectView, id_range
from plumbing.catch_up import bucket_of
from tests.fakes.mailer.queues import FakeConfirmations, FakeRetention, FakeSendHistory
from tests.fakes.mailer.runs import FakeCampaigns, FakeLeases, FakeLedger, FakePlanning, FakeReports
from tests.fakes.mailer.tables import Tables


class FakeStore:
    """Everything one transaction offers: the view, and a store per concern beside it.

    `locked` lists the buckets locked in this transaction, in order.
    """

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.locked: list[str] = []
        self.campaigns = FakeCampaigns(tables)
        self.planning = FakePlanning(tables)
        self.ledger = FakeLedger(tables)
        self.batches = FakeLeases(tables, self.ledger)
        self.reports = FakeReports(tables)
        self.confirmations = FakeConfirmations(tables)
        self.retention = FakeRetention(tables)
        self.history = FakeSendHistory(tables)

    def record_message(self, message_id: uuid.UUID, now: datetime) -> bool:
        if message_id in self.tables.processed:
            return False
        self.tables.processed[message_id] = now
        return True

    def lock(self, subject_id: uuid.UUID) -> None:
        self.lock_bucket(bucket_of(str(subject_id)))

    def lock_bucket(self, bucket: str) -> None:
        self.locked.append(bucket)

    def versions(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        found = {}
        for subject_id in ids:
            view = self.tables.views.get(subject_id)
            if view is not None and view.recipient is not None:
                found[subject_id] = view.recipient.version
            elif view is not None and view.erased_version is not None:
                found[subject_id] = view.erased_version
        return found

    def erased_among(self, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        views = self.tables.views
        return {i for i in ids if i in views and views[i].erased_version is not None}

    def purpose_versions(self, ids: Sequence[uuid.UUID], purpose: str) -> dict[uuid.UUID, int]:
        found = {}
        for subject_id in ids:
            view = self.tables.views.get(subject_id)
            state = view.recipient.consents.get(purpose) if view and view.recipient else None
            if state is not None:
                found[subject_id] = state.version
        return found

    def suppressed_among(self, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return {
            i
            for i in ids
            if (view := self.tables.views.get(i)) and view.recipient and view.recipient.suppressed
        }

    def load(self, subject_id: uuid.UUID) -> SubjectView:
        return self.tables.views.get(subject_id, SubjectView(subject_id))

    def bucket(self, bucket: str) -> dict[uuid.UUID, SubjectView]:
        return {view.subject_id: view for view in self.views(*id_range(bucket))}

    def views(
        self, low: uuid.UUID, high: uuid.UUID, *, stream: bool = False
    ) -> Iterator[SubjectView]:
        held = sorted(i for i in self.tables.views if low <= i <= high)
        return iter([self.tables.views[i] for i in held])

    def save(self, before: SubjectView, after: SubjectView, now: datetime) -> None:
        if before.erased_version is None and after.erased_version is not None:
            self._forget_contact(after.subject_id)
        if after.recipient is None and after.erased_version is None:
            self.tables.views.pop(after.subject_id, None)
        else:
            self.tables.views[after.subject_id] = after

    def _forget_contact(self, subject_id: uuid.UUID) -> None:
        """As in SQL: the confirmation emails go, the ledger keeps its rows but no reasons."""
        self.confirmations.delete_of(subject_id)
        deliveries = self.tables.deliveries
        for key in [key for key in deliveries if key[1] == subject_id]:
            deliveries[key] = replace(deliveries[key], reason=None)


class FakeDatabase:
    """The mailer's tables, shared by every transaction (and thread) of a test."""

    def __init__(self) -> None:
        self.tables = Tables()
        self.locked: list[list[str]] = []
        """The buckets each committed transaction locked, in order."""
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[FakeStore]:
        with self._lock:
            store = FakeStore(self.tables.copy())
            yield store
            self.tables = store.tables
            self.locked.append(store.locked)

    def __call__(self) -> AbstractContextManager[FakeStore]:
        """The database is its own `Transaction`: `with database() as store: ...`."""
        return self.transaction()
