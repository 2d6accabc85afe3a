"""The consent ledger's hash chains: what is hashed, and how tampering is found.

Each subject has its own chain (entry n carries the hash of entry n-1), so writers for
different people never wait for each other. A chain alone cannot show that its newest entry
was deleted, so the subject row keeps its version (the sequence number of its last entry),
and periodic checkpoints hash every entry of a range of the global ledger, in order, into a
chain of their own sealed with a key the database does not hold. See
docs/decisions/0002-ledger-hash-chains.md.

Contact data never enters a hash: the evidence (form, truncated IP, user agent) is hashed
with a random nonce into `evidence_digest`, and only the digest is chained. Erasure can blank
the evidence and its nonce and every chain still verifies.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

CHAIN_VERSION = "consent-ledger/1"
EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()


def _canonical(data: object) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def timestamp(moment: datetime) -> str:
    """One fixed text form of a time, so a hash does not depend on the database's format."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def genesis_hash(subject_id: str) -> str:
    return hashlib.sha256(f"{CHAIN_VERSION} genesis {subject_id}".encode()).hexdigest()


def evidence_digest(evidence: dict[str, str] | None, nonce: str) -> str:
    """Commit to the evidence without chaining it, so erasure may remove it later."""
    return hashlib.sha256(nonce.encode() + b"\n" + _canonical(evidence or {})).hexdigest()


@dataclass(frozen=True)
class LedgerRecord:
    """The hashed content of one ledger entry."""

    subject_id: str
    seq: int
    kind: str
    purpose: str | None
    previous_status: str | None
    status: str | None
    source: str
    actor: str
    policy_version: str | None
    recorded_at: datetime
    evidence_digest: str
    prev_hash: str

    def hash(self) -> str:
        fields = {
            "subject_id": self.subject_id,
            "seq": self.seq,
            "kind": self.kind,
            "purpose": self.purpose,
            "previous_status": self.previous_status,
            "status": self.status,
            "source": self.source,
            "actor": self.actor,
            "policy_version": self.policy_version,
            "recorded_at": timestamp(self.recorded_at),
            "evidence_digest": self.evidence_digest,
            "prev_hash": self.prev_hash,
        }
        return hashlib.sha256(CHAIN_VERSION.encode() + b"\n" + _canonical(fields)).hexdigest()


@dataclass(frozen=True)
class StoredEntry:
    """A ledger row as read back: its global position, content, stored hash and evidence."""

    id: int
    record: LedgerRecord
    hash: str
    evidence: dict[str, str] | None
    evidence_nonce: str | None


@dataclass(frozen=True)
class Finding:
    """One thing that does not verify, said so an auditor can find the row."""

    entry_id: int | None
    subject_id: str | None
    problem: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id is not None else "ledger"
        who = f" (subject {self.subject_id})" if self.subject_id else ""
        return f"{where}{who}: {self.problem}"


@dataclass(frozen=True)
class Checkpoint:
    """A sealed digest of the entries with ids in (previous last_entry_id, last_entry_id]."""

    id: int
    created_at: datetime
    first_entry_id: int
    last_entry_id: int
    entry_count: int
    range_digest: str
    prev_hash: str
    hash: str
    seal: str


@dataclass(frozen=True)
class Verification:
    """The outcome of one verification of the whole ledger, kept so that staff see when the
    ledger was last proved whole, by whom, and what did not verify."""

    verified_at: datetime
    actor: str
    """`cli` for the command line, `console:<user id>` for a person in the console."""
    entries: int
    subjects: int
    checkpoints: int
    problems: int
    """How many findings there were; `findings` keeps the first of them."""
    findings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.problems == 0


def checkpoint_hash(
    prev_hash: str,
    first_entry_id: int,
    last_entry_id: int,
    entry_count: int,
    range_digest: str,
    created_at: datetime,
) -> str:
    content = {
        "prev_hash": prev_hash,
        "first_entry_id": first_entry_id,
        "last_entry_id": last_entry_id,
        "entry_count": entry_count,
        "range_digest": range_digest,
        "created_at": timestamp(created_at),
    }
    return hashlib.sha256(_canonical(content)).hexdigest()


def seal(key: bytes, checkpoint_hash_hex: str) -> str:
    return hmac.new(key, checkpoint_hash_hex.encode(), hashlib.sha256).hexdigest()


class RangeDigest:
    """Hashes entry hashes in ledger order; any edit, removal or swap in the range shows."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256(CHAIN_VERSION.encode())
        self.count = 0

    def add(self, entry_id: int, entry_hash: str) -> None:
        self._hash.update(f"\n{entry_id}:{entry_hash}".encode())
        self.count += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class LedgerVerifier:
    """Checks a whole ledger in one pass over its entries in id order.

    Feed every entry with `add`, then call `finish` with each subject's recorded version and
    the checkpoints. Memory grows with the number of subjects (one head each), not entries.
    """

    def __init__(self, checkpoints: Iterable[Checkpoint], seal_keys: Iterable[bytes]) -> None:
        self.findings: list[Finding] = []
        self._heads: dict[str, tuple[int, str]] = {}
        self._checkpoints = sorted(checkpoints, key=lambda c: c.id)
        self._keys = list(seal_keys)
        self._ranges = [RangeDigest() for _ in self._checkpoints]
        self._last_id = 0
        self.entries = 0

    def _note(self, entry: StoredEntry, problem: str) -> None:
        self.findings.append(Finding(entry.id, entry.record.subject_id, problem))

    def add(self, entry: StoredEntry) -> None:
        record = entry.record
        self.entries += 1
        if entry.id <= self._last_id:
            self._note(entry, "out of ledger order")
        self._last_id = entry.id
        if record.hash() != entry.hash:
            self._note(entry, "content does not match its hash (edited)")
        if (
            entry.evidence is not None
            and entry.evidence_nonce is not None
            and evidence_digest(entry.evidence, entry.evidence_nonce) != record.evidence_digest
        ):
            self._note(entry, "evidence does not match its digest (edited)")
        seq, prev = self._heads.get(record.subject_id, (0, genesis_hash(record.subject_id)))
        if record.seq != seq + 1 or record.prev_hash != prev:
            self._note(
                entry,
                f"does not follow entry {seq} of its subject's chain (removed or reordered)",
            )
        self._heads[record.subject_id] = (record.seq, entry.hash)
        for checkpoint, digest in zip(self._checkpoints, self._ranges, strict=True):
            if checkpoint.first_entry_id <= entry.id <= checkpoint.last_entry_id:
                digest.add(entry.id, entry.hash)

    def finish(self, subject_versions: Iterable[tuple[str, int]]) -> list[Finding]:
        for subject_id, version in subject_versions:
            seq = self._heads.get(subject_id, (0, ""))[0]
            if seq != version:
                self.findings.append(
                    Finding(
                        None,
                        subject_id,
                        f"subject is at version {version} but its chain ends at entry {seq} "
                        "(entries removed)",
                    )
                )
        self._check_checkpoints()
        return self.findings

    def _check_checkpoints(self) -> None:
        prev_hash, next_first = genesis_hash("checkpoints"), None
        for checkpoint, digest in zip(self._checkpoints, self._ranges, strict=True):
            problems = list(self._checkpoint_problems(checkpoint, digest, prev_hash, next_first))
            self.findings.extend(
                Finding(None, None, f"checkpoint {checkpoint.id}: {p}") for p in problems
            )
            prev_hash, next_first = checkpoint.hash, checkpoint.last_entry_id + 1

    def _checkpoint_problems(
        self, checkpoint: Checkpoint, digest: RangeDigest, prev_hash: str, next_first: int | None
    ) -> Iterator[str]:
        if checkpoint.prev_hash != prev_hash:
            yield "does not follow the previous checkpoint (checkpoint removed or edited)"
        if next_first is not None and checkpoint.first_entry_id != next_first:
            yield "its range does not start where the previous one ended"
        expected = checkpoint_hash(
            checkpoint.prev_hash,
            checkpoint.first_entry_id,
            checkpoint.last_entry_id,
            checkpoint.entry_count,
            checkpoint.range_digest,
            checkpoint.created_at,
        )
        if expected != checkpoint.hash:
            yield "content does not match its hash (edited)"
        if not any(
            hmac.compare_digest(seal(k, checkpoint.hash), checkpoint.seal) for k in self._keys
        ):
            yield "seal does not verify with the configured secret keys"
        if digest.count != checkpoint.entry_count or digest.hexdigest() != checkpoint.range_digest:
            yield (
                f"entries {checkpoint.first_entry_id}..{checkpoint.last_entry_id} changed since "
                f"it was sealed ({digest.count} found, {checkpoint.entry_count} sealed)"
            )


def verify_chain(subject_id: str, entries: Iterable[StoredEntry], version: int) -> list[Finding]:
    """What does not verify in one person's chain: each entry's content and evidence against
    its hash, each link to the entry before, and that the chain ends at the subject's version
    (so a removed newest entry shows). The same checks `consent audit verify` runs over the
    whole ledger, minus the checkpoints, which seal ranges of everyone's entries."""
    verifier = LedgerVerifier((), ())
    for entry in sorted(entries, key=lambda e: e.id):
        verifier.add(entry)
    return verifier.finish([(subject_id, version)])
