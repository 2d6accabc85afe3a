"""The stores of the registry's jobs in memory: an import's batches, retention, the
mailer's catch-up reads, the audit's walk over the ledger, and the relay's outbox."""

import dataclasses
import uuid
from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from typing import Any

from consent_service.domain.consent import ConsentStatus
from consent_service.domain.ledger import Checkpoint, StoredEntry, Verification
from consent_service.domain.retention import Rule
from consent_service.services.ports import WriteConflict
from consent_service.services.ports.subjects import ConsentRow, SubjectRow, SubjectState
from tests.fakes.tables import StoredSubject, Tables


class FakeRetentionCandidates:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def inactive_subjects(self, changed_before: datetime) -> list[uuid.UUID]:
        granted = ConsentStatus.GRANTED.value
        return sorted(
            subject_id
            for subject_id, stored in self.tables.subjects.items()
            if stored.erased_at is None
            and stored.row.updated_at < changed_before
            and all(c.status != granted for c in self.tables.consents.get(subject_id, {}).values())
        )

    def expired_pending(self, updated_before: datetime) -> dict[uuid.UUID, int]:
        found = {}
        for subject_id, held in sorted(self.tables.consents.items()):
            pending = ConsentStatus.PENDING.value
            count = sum(
                1 for c in held.values() if c.status == pending and c.updated_at < updated_before
            )
            if count:
                found[subject_id] = count
        return found

    def count_before(self, rule: Rule, cutoff: datetime) -> int:
        return len(self._dated_before(rule, cutoff))

    def delete_before(self, rule: Rule, cutoff: datetime) -> int:
        gone = self._dated_before(rule, cutoff)
        table = self._table(rule)
        for key in gone:
            del table[key]
        return len(gone)

    def _table(self, rule: Rule) -> dict[Any, Any]:
        tables: dict[Rule, dict[Any, Any]] = {
            Rule.USED_LINK_TOKENS: self.tables.used_tokens,
            Rule.WEBHOOK_EVENTS: self.tables.webhook_events,
            Rule.IDEMPOTENCY_KEYS: self.tables.answers,
        }
        return tables[rule]

    def _dated_before(self, rule: Rule, cutoff: datetime) -> list[Any]:
        dated = {
            Rule.USED_LINK_TOKENS: lambda use: use.expires_at,
            Rule.WEBHOOK_EVENTS: lambda received_at: received_at,
            Rule.IDEMPOTENCY_KEYS: lambda answer: answer[2],
        }[rule]
        return [key for key, value in self._table(rule).items() if dated(value) < cutoff]


class FakeImportBatch:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def policies(self) -> list[tuple[str, datetime]]:
        return [(version, at) for version, (at, _docs) in self.tables.policies.items()]

    def suppressions(self, hashes: Collection[bytes]) -> dict[bytes, set[str]]:
        found: dict[bytes, set[str]] = {}
        for hashed, reason in self.tables.suppressions:
            if hashed in hashes:
                found.setdefault(hashed, set()).add(reason)
        return found

    def subjects_for_update(self, keys: Collection[str]) -> dict[str, SubjectRow]:
        return {
            stored.email_key: dataclasses.replace(stored.row)
            for stored in self.tables.subjects.values()
            if stored.erased_at is None
            and stored.email_key is not None
            and stored.email_key in keys
        }

    def consents_of(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, dict[str, ConsentRow]]:
        return {
            subject_id: {p: dataclasses.replace(c) for p, c in held.items()}
            for subject_id, held in self.tables.consents.items()
            if subject_id in ids and held
        }

    def ledger_heads(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        heads = {}
        for entry in self.tables.ledger:
            subject_id = uuid.UUID(entry.record.subject_id)
            stored = self.tables.subjects.get(subject_id)
            if subject_id in ids and stored and entry.record.seq == stored.row.version:
                heads[subject_id] = entry.hash
        return heads

    def add_subjects(self, subjects: Iterable[tuple[SubjectRow, str]]) -> None:
        for subject, key in subjects:
            taken = any(s.email_key == key for s in self.tables.subjects.values())
            if taken:
                raise WriteConflict(f"an address of the batch was taken meanwhile: {key}")
            self.tables.subjects[subject.id] = StoredSubject(dataclasses.replace(subject), key)

    def set_versions(self, subjects: Iterable[SubjectRow]) -> None:
        for subject in subjects:
            row = self.tables.subjects[subject.id].row
            row.version, row.updated_at = subject.version, subject.updated_at

    def save_consents(
        self,
        new: Iterable[tuple[uuid.UUID, ConsentRow]],
        changed: Iterable[tuple[uuid.UUID, ConsentRow]],
    ) -> None:
        for subject_id, row in [*new, *changed]:
            self.tables.consents.setdefault(subject_id, {})[row.purpose] = dataclasses.replace(row)


class FakeSyncReads:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def versions_of(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
        return {i: s.row.version for i, s in self.tables.subjects.items() if i in ids}

    def purpose_versions_of(self, ids: Collection[uuid.UUID], purpose: str) -> dict[uuid.UUID, int]:
        return {
            subject_id: held[purpose].version
            for subject_id, held in self.tables.consents.items()
            if subject_id in ids and purpose in held
        }

    def emails_of(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {
            subject_id: stored.row.email
            for subject_id, stored in self.tables.subjects.items()
            if subject_id in ids and stored.erased_at is None and stored.row.email is not None
        }

    def subject_states(
        self,
        bounds: tuple[uuid.UUID, uuid.UUID] | None,
        ids: Collection[uuid.UUID] | None = None,
    ) -> Iterator[SubjectState]:
        for subject_id in sorted(self.tables.subjects):
            if _within(subject_id, bounds, ids):
                stored = self.tables.subjects[subject_id]
                row = stored.row
                erased = stored.erased_at is not None
                yield SubjectState(row.id, row.version, erased, row.email, row.locale, row.name)

    def consent_states(
        self,
        bounds: tuple[uuid.UUID, uuid.UUID] | None,
        ids: Collection[uuid.UUID] | None = None,
    ) -> Iterator[tuple[uuid.UUID, str, str, int]]:
        for subject_id, held in self.tables.consents.items():
            if _within(subject_id, bounds, ids):
                for purpose, row in held.items():
                    yield subject_id, purpose, row.status, row.version


def _within(
    subject_id: uuid.UUID,
    bounds: tuple[uuid.UUID, uuid.UUID] | None,
    ids: Collection[uuid.UUID] | None,
) -> bool:
    in_bounds = bounds is None or bounds[0] <= subject_id <= bounds[1]
    return in_bounds and (ids is None or subject_id in ids)


class FakeLedgerAudit:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def ledger_entries(
        self, after_id: int = 0, up_to_id: int | None = None
    ) -> Iterator[StoredEntry]:
        for entry in self.tables.ledger:
            if entry.id > after_id and (up_to_id is None or entry.id <= up_to_id):
                yield entry

    def last_entry_id_before(self, moment: datetime) -> int:
        return max((e.id for e in self.tables.ledger if e.record.recorded_at < moment), default=0)

    def checkpoints(self) -> list[Checkpoint]:
        return list(self.tables.checkpoints)

    def add_checkpoint(self, values: dict[str, Any]) -> None:
        checkpoint_id = len(self.tables.checkpoints) + 1
        self.tables.checkpoints.append(Checkpoint(id=checkpoint_id, **values))

    def last_checkpoint(self) -> Checkpoint | None:
        return self.tables.checkpoints[-1] if self.tables.checkpoints else None

    def add_verification(self, verification: Verification) -> None:
        self.tables.verifications.append(verification)

    def last_verification(self) -> Verification | None:
        return self.tables.verifications[-1] if self.tables.verifications else None

    def subject_versions(self) -> Iterator[tuple[str, int]]:
        for subject_id, stored in self.tables.subjects.items():
            yield str(subject_id), stored.row.version


class FakeOutboxRelay:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def claim_outbox(self, limit: int) -> list[tuple[int, uuid.UUID, str, dict[str, Any]]]:
        unsent = [row for row in self.tables.outbox if row["sent_at"] is None][:limit]
        return [(r["id"], r["message_id"], r["routing_key"], r["payload"]) for r in unsent]

    def mark_sent(self, ids: list[int], now: datetime) -> None:
        for row in self.tables.outbox:
            if row["id"] in ids:
                row["sent_at"] = now

    def prune_sent_outbox(self, before: datetime) -> int:
        kept = [r for r in self.tables.outbox if r["sent_at"] is None or r["sent_at"] >= before]
        pruned, self.tables.outbox[:] = len(self.tables.outbox) - len(kept), kept
        return pruned

    def outbox_lag(self) -> tuple[int, datetime | None]:
        unsent = [row["created_at"] for row in self.tables.outbox if row["sent_at"] is None]
        return len(unsent), min(unsent, default=None)
