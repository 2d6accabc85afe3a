"""The one writer of the ledger and the outbox: a change becomes an entry and its message.

Every change to a person's consent or data is proved by a ledger entry chained to the
subject's previous one (domain/ledger.py) and announced by an outbox message that the mailer
would accept, both in the caller's transaction: none without the other. Every writer builds
them here (`LedgerBatch`), so the chain's previous-hash lookup, the record, its hash, the
evidence's digest under a fresh nonce and the checked message body are made one way only,
and the format of a stored ledger cannot drift between writers (tests pin it to fixed hashes,
tests/unit/services/test_ledger_writer.py). A batch is written with one statement for the
entries and one for the messages, whether it holds one subject's change or an import's
thousand rows.

The running consent counts (domain/tallies.py) are kept here too: every entry that moves a
purpose from one status to another says so, so the batch adds the move to its tally and
writes the tally with the entries. A writer cannot change a consent without its entry, so
it cannot forget the counts either. So are the operators' counts of consent changes by
purpose, source and status (`ports.meters`), counted when the transaction commits.
"""

import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from marshmallow import Schema

from consent_service.domain.ledger import LedgerRecord, evidence_digest, genesis_hash
from consent_service.domain.tallies import ConsentTally
from consent_service.services.ports.ledger import Ledger, LedgerRow
from consent_service.services.ports.meters import ChangeKey, ChangeMeter
from consent_service.services.ports.outbox import Outbox, OutboxRow
from consent_service.services.ports.tallies import Tallies
from schemas.messages import SCHEMAS, InvalidMessage


def new_nonce() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Evidence:
    """What a request showed of itself, and the random nonce it is hashed with.

    Only the digest is chained, so erasure can blank the evidence and the nonce later and
    every hash still verifies; the nonce keeps the digest from being matched against a guess.
    Entries written by one request share one `Evidence`.
    """

    shown: dict[str, str] | None
    nonce: str = field(default_factory=new_nonce)
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", evidence_digest(self.shown, self.nonce))


@dataclass(frozen=True)
class Entry:
    """What one ledger entry says, before it is chained. Entries about the subject as a
    whole (a rectification, an erasure, a transfer) have no purpose, status or policy."""

    kind: str
    source: str
    actor: str
    recorded_at: datetime
    evidence: Evidence
    purpose: str | None = None
    previous_status: str | None = None
    status: str | None = None
    policy_version: str | None = None


_schemas: dict[str, Schema] = {}
"""Built once each: building a marshmallow schema costs twice what checking a message with it
does, and an import checks a message for every row (docs/performance.md)."""


def outbox_row(
    subject_id: uuid.UUID | None, routing_key: str, body: dict[str, Any], now: datetime
) -> OutboxRow:
    """The outbox row of a message; InvalidMessage if the mailer would refuse the body, since
    such a message must never be written."""
    name = body.get("schema")
    if name not in _schemas:
        if name not in SCHEMAS:
            raise InvalidMessage(f"unknown message schema {name!r}")
        _schemas[name] = SCHEMAS[name]()
    problems = _schemas[name].validate(body)
    if problems:
        raise InvalidMessage(f"{name}: {problems}")
    return {
        "message_id": uuid.UUID(str(body["message_id"])),
        "subject_id": subject_id,
        "routing_key": routing_key,
        "payload": body,
        "created_at": now,
    }


class ChainedStore(Ledger, Outbox, Tallies, ChangeMeter, Protocol):
    """Where a batch is written: the ledger, the outbox and the counts of one transaction."""


class LedgerBatch:
    """Ledger entries and outbox messages to be written together, in chain order.

    A subject's chain is picked up once (`follow` looks its last hash up, `resume` is given
    it), then each `add` chains an entry to the one before it. `write` appends everything.
    """

    def __init__(self) -> None:
        self.entries: list[LedgerRow] = []
        self.messages: list[OutboxRow] = []
        self.tally = ConsentTally()
        self.changes: Counter[ChangeKey] = Counter()
        self._heads: dict[uuid.UUID, tuple[int, str]] = {}

    def follow(self, ledger: Ledger, subject_id: uuid.UUID, seq: int) -> None:
        """Chain the subject's next entries after its entry `seq` (0: none yet)."""
        head = genesis_hash(str(subject_id)) if seq == 0 else ledger.ledger_hash(subject_id, seq)
        if head is None:
            raise RuntimeError(f"ledger of subject {subject_id} has no entry {seq}")
        self.resume(subject_id, seq, head)

    def resume(self, subject_id: uuid.UUID, seq: int, head: str) -> None:
        """Chain the subject's next entries after entry `seq`, whose hash is `head`."""
        self._heads[subject_id] = (seq, head)

    def add(self, subject_id: uuid.UUID, entry: Entry) -> int:
        """Chain the entry after the subject's last one; returns its seq (the new version)."""
        previous, prev_hash = self._heads[subject_id]
        record = LedgerRecord(
            subject_id=str(subject_id),
            seq=previous + 1,
            kind=entry.kind,
            purpose=entry.purpose,
            previous_status=entry.previous_status,
            status=entry.status,
            source=entry.source,
            actor=entry.actor,
            policy_version=entry.policy_version,
            recorded_at=entry.recorded_at,
            evidence_digest=entry.evidence.digest,
            prev_hash=prev_hash,
        )
        entry_hash = record.hash()
        if record.seq == 1:
            self.tally.arrive()
        if entry.purpose is not None and entry.status is not None:
            self.tally.change(entry.purpose, entry.previous_status, entry.status, entry.recorded_at)
            self.changes[entry.purpose, entry.source, entry.status] += 1
        self.entries.append((record, entry_hash, entry.evidence.shown, entry.evidence.nonce))
        self._heads[subject_id] = (record.seq, entry_hash)
        return record.seq

    def erased(self, statuses: dict[str, str]) -> None:
        """The subject goes, and their consents (purpose -> status) with them."""
        self.tally.leave()
        for purpose, status in statuses.items():
            self.tally.drop(purpose, status)

    def announce(
        self,
        subject_id: uuid.UUID | None,
        routing_key: str,
        body: dict[str, Any],
        now: datetime,
    ) -> None:
        self.messages.append(outbox_row(subject_id, routing_key, body, now))

    def write(self, store: ChainedStore) -> None:
        if self.entries:
            store.append_ledger(self.entries)
        if self.messages:
            store.add_outbox(self.messages)
        if self.tally:
            store.add_to_tallies(self.tally)
        if self.changes:
            store.count_consent_changes(self.changes)
