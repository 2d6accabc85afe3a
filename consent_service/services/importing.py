"""Importing people and their consent evidence in bulk (`consent import`).

Rows arrive a batch at a time. Each row is checked on its own (domain/import_rows.py), then
the batch is applied in one transaction: one read each for suppressions, existing subjects
(locked), their consents and their newest ledger hashes; the domain's state machine for every
row, in file order; and one bulk write per table. The rows written are those the normal path
(`services.changes.write_changes`) writes for the same changes, made by the same writer
(services/ledger_writer.py): the consent state, a ledger entry chained to the subject's
previous one, and a `consent.changed/1` outbox message so the mailer learns of it. Only what
changes is written, so importing a file twice changes nothing the second time.

A rejected row is reported and skipped; it never stops the rest of its batch.
"""

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice

from consent_service.domain.consent import Change, ConsentStatus, Source, SubjectConsents
from consent_service.domain.import_rows import (
    ImportRow,
    PolicyCalendar,
    Reasons,
    Rejection,
    RowRejected,
    apply_row,
    parse_row,
)
from consent_service.domain.ledger import genesis_hash
from consent_service.domain.suppression import address_hashes
from consent_service.services.changes import ChangeContext, consent_changed_message, consent_entry
from consent_service.services.ledger_writer import Evidence, LedgerBatch
from consent_service.services.ports import Repository, UnitOfWork, WriteConflict
from consent_service.services.ports.imports import ImportBatch
from consent_service.services.ports.subjects import ConsentRow, SubjectRow

RawRow = Mapping[str, str | None]
OnRejected = Callable[[int, RawRow, str], None]
"""Called with the row's line number in the file, the row, and the reason."""
WRITE_ATTEMPTS = 3


@dataclass
class ImportCounts:
    imported: int = 0
    """Rows that changed a consent."""
    unchanged: int = 0
    """Rows that repeat what is on record (a rerun of the same file is all of these)."""
    rejected: int = 0
    subjects_created: int = 0

    def add(self, other: "ImportCounts") -> None:
        self.imported += other.imported
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        self.subjects_created += other.subjects_created


@dataclass
class _Person:
    """One subject while its batch is applied: state before, changes after, rows to write."""

    subject: SubjectRow
    email_key: str
    is_new: bool
    consents: SubjectConsents
    decided_at: dict[str, datetime]
    held: set[str]
    """Purposes the database holds a row for already (UPDATE rather than INSERT)."""
    written: dict[str, ConsentRow] = field(default_factory=dict)


@dataclass
class _Batch:
    counts: ImportCounts = field(default_factory=ImportCounts)
    rejections: list[tuple[int, str]] = field(default_factory=list)
    proofs: LedgerBatch = field(default_factory=LedgerBatch)

    def reject(self, number: int, reason: str) -> None:
        self.counts.rejected += 1
        self.rejections.append((number, reason))


class Importer:
    """Applies import rows in batches, one transaction each."""

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        actor: str,
        default_locale: str,
        secret_keys: tuple[str, ...],
        batch_size: int = 1000,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.uow = uow
        self.actor = actor
        self.default_locale = default_locale
        self.secret_keys = secret_keys
        self.batch_size = batch_size
        self.clock = clock

    def run(
        self,
        rows: Iterable[tuple[int, RawRow]],
        on_rejected: OnRejected,
        on_progress: Callable[[int], None] = lambda _n: None,
    ) -> ImportCounts:
        """Import every (line number, row); rejections go to `on_rejected` in file order."""
        with self.uow.reading() as registry:
            policies = PolicyCalendar(registry.import_batch().policies())
        total = ImportCounts()
        for chunk in _chunks(iter(rows), self.batch_size):
            total.add(self._batch(chunk, policies, on_rejected))
            on_progress(len(chunk))
        return total

    def _batch(
        self, chunk: list[tuple[int, RawRow]], policies: PolicyCalendar, on_rejected: OnRejected
    ) -> ImportCounts:
        now = self.clock()
        parsed: list[tuple[int, ImportRow]] = []
        invalid: list[tuple[int, str]] = []
        for number, raw in chunk:
            try:
                parsed.append((number, parse_row(raw, now=now, policies=policies)))
            except RowRejected as rejected:
                invalid.append((number, rejected.reason))
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.uow.transaction() as registry:
                    batch = self._write(registry, parsed, now)
                break
            except WriteConflict:
                # Someone created one of these addresses meanwhile: read again, apply again.
                if attempt == WRITE_ATTEMPTS:
                    raise
        raws = dict(chunk)
        for number, reason in sorted(invalid + batch.rejections):
            on_rejected(number, raws[number], reason)
        batch.counts.rejected += len(invalid)
        return batch.counts

    def _write(
        self, registry: Repository, rows: list[tuple[int, ImportRow]], now: datetime
    ) -> _Batch:
        store = registry.import_batch()
        hashes = {r.email_key: address_hashes(self.secret_keys, r.email_key) for _, r in rows}
        suppressed = store.suppressions({h for found in hashes.values() for h in found})
        batch = _Batch()
        people = self._people(store, set(hashes), batch.proofs)
        for number, row in rows:
            reasons = set().union(*(suppressed.get(h, set()) for h in hashes[row.email_key]))
            if reasons:
                batch.reject(number, Reasons([_suppressed(reasons)]))
                continue
            person = people.get(row.email_key) or people.setdefault(
                row.email_key, self._newcomer(row, now, batch.proofs)
            )
            try:
                change = apply_row(person.consents, person.decided_at, row)
            except RowRejected as rejected:
                batch.reject(number, rejected.reason)
                continue
            if change is None:
                batch.counts.unchanged += 1
                continue
            self._record(batch, person, change, row, now)
            batch.counts.imported += 1
        changed = [p for p in people.values() if p.written]
        batch.counts.subjects_created = sum(p.is_new for p in changed)
        _save(registry, store, changed, batch)
        return batch

    def _people(
        self, store: ImportBatch, keys: set[str], proofs: LedgerBatch
    ) -> dict[str, _Person]:
        subjects = store.subjects_for_update(keys)
        ids = [subject.id for subject in subjects.values()]
        consents = store.consents_of(ids)
        heads = store.ledger_heads(ids)
        people = {}
        for key, subject in subjects.items():
            held = consents.get(subject.id, {})
            people[key] = _Person(
                subject=subject,
                email_key=key,
                is_new=False,
                consents=SubjectConsents(
                    version=subject.version,
                    email_confirmed=subject.email_confirmed_at is not None,
                    statuses={p: ConsentStatus(row.status) for p, row in held.items()},
                ),
                decided_at={p: row.updated_at for p, row in held.items()},
                held=set(held),
            )
            if subject.version and subject.id not in heads:
                raise RuntimeError(f"ledger of subject {subject.id} has no entry {subject.version}")
            head = heads.get(subject.id) or genesis_hash(str(subject.id))
            proofs.resume(subject.id, subject.version, head)
        return people

    def _newcomer(self, row: ImportRow, now: datetime, proofs: LedgerBatch) -> _Person:
        subject = SubjectRow(
            id=uuid.uuid4(),
            email=row.email,
            locale=row.locale or self.default_locale,
            name=row.name,
            external_id=row.external_id,
            version=0,
            email_confirmed_at=None,
            created_at=now,
            updated_at=now,
        )
        proofs.resume(subject.id, 0, genesis_hash(str(subject.id)))
        return _Person(
            subject=subject,
            email_key=row.email_key,
            is_new=True,
            consents=SubjectConsents(),
            decided_at={},
            held=set(),
        )

    def _record(
        self, batch: _Batch, person: _Person, change: Change, row: ImportRow, now: datetime
    ) -> None:
        """The ledger entry, outbox message and consent row of one change, as write_changes
        makes them; the decision time kept on the consent row is the row's `consented_at`."""
        subject = person.subject
        context = ChangeContext(
            source=Source.IMPORT.value,
            actor=self.actor,
            policy_version=row.policy_version,
            now=now,
            evidence=row.evidence,
        )
        entry = consent_entry(change, context, Evidence(context.evidence))
        subject.version, subject.updated_at = batch.proofs.add(subject.id, entry), now
        routing_key, body = consent_changed_message(subject, change, context)
        batch.proofs.announce(subject.id, routing_key, body, now)
        person.written[change.purpose] = ConsentRow(
            purpose=change.purpose,
            status=change.status.value,
            policy_version=context.policy_version,
            source=context.source,
            version=change.version,
            updated_at=row.consented_at,
        )


def _save(registry: Repository, store: ImportBatch, people: list[_Person], batch: _Batch) -> None:
    """One statement per table for the whole batch."""
    store.add_subjects((p.subject, p.email_key) for p in people if p.is_new)
    store.set_versions(p.subject for p in people if not p.is_new)
    rows = [
        (p.subject.id, row, row.purpose in p.held) for p in people for row in p.written.values()
    ]
    store.save_consents(
        new=[(subject_id, row) for subject_id, row, held in rows if not held],
        changed=[(subject_id, row) for subject_id, row, held in rows if held],
    )
    batch.proofs.write(registry)


def _suppressed(reasons: set[str]) -> Rejection:
    return Rejection(
        "suppressed",
        f"The address is on the suppression list ({', '.join(sorted(reasons))}); "
        "an import cannot bring it back.",
    )


def _chunks(items: Iterator[tuple[int, RawRow]], size: int) -> Iterator[list[tuple[int, RawRow]]]:
    while chunk := list(islice(items, size)):
        yield chunk
