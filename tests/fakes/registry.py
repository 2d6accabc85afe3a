"""The registry's ports in memory: a `FakeRepository` over plain dicts, and a unit of work.

The service-layer tests (tests/unit/services) run the use cases on these, so the rules are
checked in milliseconds without a database; what only the database can prove (locks, SKIP
LOCKED, constraints, SQL) stays with the integration tests. The fakes keep the stores'
promises the services rely on: rows handed out are copies (a service changes its copy, then
writes it), a unique key taken twice raises `WriteConflict`, and a transaction that raises
leaves every table as it was.
"""

import copy
import dataclasses
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from consent_service.domain.ledger import StoredEntry
from consent_service.domain.tallies import ConsentTally
from consent_service.services.ports import WriteConflict
from consent_service.services.ports.idempotency import StoredAnswer
from consent_service.services.ports.ledger import LedgerRow
from consent_service.services.ports.meters import ChangeKey
from consent_service.services.ports.outbox import OutboxRow
from consent_service.services.ports.subjects import ConsentRow, SubjectRow
from tests.fakes import campaigns, jobs, layouts, stores
from tests.fakes.tables import StoredSubject, Tables


class FakeRepository:
    """The `Repository` port over `Tables`; every store it hands out shares them."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.suppressions = stores.FakeSuppressions(tables)
        self.personal_data = stores.FakePersonalData(tables)
        self.rights = stores.FakeRightsRequests(tables)
        self.link_emails = stores.FakeLinkEmails(tables)
        self.forms = stores.FakeForms(tables)
        self.api_keys = stores.FakeApiKeys(tables)
        self.transfers = stores.FakeTransfers(tables)
        self.webhook_events = stores.FakeWebhookEvents(tables)
        self.retention = jobs.FakeRetentionCandidates(tables)
        self.campaigns = campaigns.FakeCampaigns(tables, self)
        self.layouts = layouts.FakeLayouts(tables)
        self.sync = jobs.FakeSyncReads(tables)
        self.audit = jobs.FakeLedgerAudit(tables)
        self.relay = jobs.FakeOutboxRelay(tables)
        self.tallies = stores.FakeTallies(tables)

    def import_batch(self) -> "jobs.FakeImportBatch":
        return jobs.FakeImportBatch(self.tables)

    # subjects and consents
    def subject_by_id(
        self, subject_id: uuid.UUID, *, for_update: bool = False
    ) -> SubjectRow | None:
        stored = self.tables.live(subject_id)
        return dataclasses.replace(stored.row) if stored else None

    def subject_by_email_key(self, key: str, *, for_update: bool = False) -> SubjectRow | None:
        for stored in self.tables.subjects.values():
            if stored.erased_at is None and stored.email_key == key:
                return dataclasses.replace(stored.row)
        return None

    def subjects_by_external_id(self, external_id: str, limit: int) -> list[SubjectRow]:
        found = [
            dataclasses.replace(stored.row)
            for stored in self.tables.subjects.values()
            if stored.erased_at is None and stored.row.external_id == external_id
        ]
        return sorted(found, key=lambda row: row.id)[:limit]

    def add_subject(self, subject: SubjectRow, email_key: str) -> None:
        taken = any(s.email_key == email_key for s in self.tables.subjects.values())
        if taken or subject.id in self.tables.subjects:
            raise WriteConflict(f"subject {subject.id} or its address exists")
        self.tables.subjects[subject.id] = StoredSubject(dataclasses.replace(subject), email_key)

    def set_subject_version(
        self, subject_id: uuid.UUID, version: int, now: datetime, **changes: Any
    ) -> None:
        stored = self.tables.subjects[subject_id]
        stored.row.version, stored.row.updated_at = version, now
        for column, value in changes.items():
            if column == "email_key":
                stored.email_key = value
            else:
                setattr(stored.row, column, value)

    def consents_of(self, subject_id: uuid.UUID) -> dict[str, ConsentRow]:
        held = self.tables.consents.get(subject_id, {})
        return {purpose: dataclasses.replace(row) for purpose, row in held.items()}

    def save_consents(
        self, subject_id: uuid.UUID, rows: list[ConsentRow], existing: set[str]
    ) -> None:
        held = self.tables.consents.setdefault(subject_id, {})
        for row in rows:
            if (row.purpose in held) != (row.purpose in existing):
                raise AssertionError(f"{row.purpose}: insert and update mixed up")
            held[row.purpose] = dataclasses.replace(row)

    # ledger and outbox
    def ledger_hash(self, subject_id: uuid.UUID, seq: int) -> str | None:
        for entry in self.tables.ledger:
            if entry.record.subject_id == str(subject_id) and entry.record.seq == seq:
                return entry.hash
        return None

    def append_ledger(self, entries: list[LedgerRow]) -> None:
        for record, entry_hash, evidence, nonce in entries:
            if self.ledger_hash(uuid.UUID(record.subject_id), record.seq) is not None:
                raise WriteConflict(f"entry {record.seq} of {record.subject_id} exists")
            entry_id = len(self.tables.ledger) + 1
            stored = StoredEntry(entry_id, record, entry_hash, copy.deepcopy(evidence), nonce)
            self.tables.ledger.append(stored)

    def history(self, subject_id: uuid.UUID) -> list[StoredEntry]:
        mine = [e for e in self.tables.ledger if e.record.subject_id == str(subject_id)]
        return sorted(mine, key=lambda entry: entry.record.seq)

    def add_outbox(self, messages: list[OutboxRow]) -> None:
        for message in messages:
            if any(row["message_id"] == message["message_id"] for row in self.tables.outbox):
                raise WriteConflict(f"message {message['message_id']} exists")
            row_id = len(self.tables.outbox) + 1
            self.tables.outbox.append(copy.deepcopy(message) | {"id": row_id, "sent_at": None})

    def add_to_tallies(self, tally: ConsentTally) -> None:
        self.tallies.add_to_tallies(tally)

    def count_consent_changes(self, changes: Mapping[ChangeKey, int]) -> None:
        self.tables.consent_changes.update(changes)

    # policies
    def policy_effective_at(self, version: str) -> datetime | None:
        found = self.tables.policies.get(version)
        return found[0] if found else None

    def current_policy_version(self, now: datetime) -> str | None:
        in_effect = [(at, v) for v, (at, _docs) in self.tables.policies.items() if at <= now]
        return max(in_effect)[1] if in_effect else None

    def policies(self) -> list[tuple[str, datetime, dict[str, str], str | None]]:
        listed = [
            (v, at, dict(docs), self.tables.policy_publishers.get(v))
            for v, (at, docs) in self.tables.policies.items()
        ]
        return sorted(listed, key=lambda policy: policy[1])

    def add_policy(
        self,
        version: str,
        effective_at: datetime,
        documents: dict[str, str],
        now: datetime,
        published_by: str | None = None,
    ) -> None:
        if version in self.tables.policies:
            raise WriteConflict(f"policy {version} exists")
        self.tables.policies[version] = (effective_at, dict(documents))
        if published_by is not None:
            self.tables.policy_publishers[version] = published_by

    # idempotency
    def idempotent_request(self, api_key_id: str, key: str) -> StoredAnswer | None:
        found = self.tables.answers.get((api_key_id, key))
        return copy.deepcopy(found[0]) if found else None

    def remember_request(
        self,
        api_key_id: str,
        key: str,
        answer: StoredAnswer,
        subject_id: uuid.UUID | None,
        now: datetime,
    ) -> None:
        if (api_key_id, key) in self.tables.answers:
            raise WriteConflict(f"an answer to {key!r} is stored already")
        self.tables.answers[api_key_id, key] = (copy.deepcopy(answer), subject_id, now)


class FakeUnitOfWork:
    """Transactions over one `Tables`: all of a transaction's writes, or none of them."""

    def __init__(self, tables: Tables | None = None) -> None:
        self.tables = tables if tables is not None else Tables()
        self.committed = 0
        self.forgotten = 0

    @contextmanager
    def transaction(self) -> Iterator[FakeRepository]:
        before = copy.deepcopy(self.tables)
        try:
            yield FakeRepository(self.tables)
        except BaseException:
            self.tables.__dict__.update(before.__dict__)
            raise
        self.committed += 1

    @contextmanager
    def reading(self) -> Iterator[FakeRepository]:
        yield FakeRepository(copy.deepcopy(self.tables))

    def forget_deleted(self) -> None:
        self.forgotten += 1
