"""The ledger verifier finds edited, removed and reordered entries, and forged checkpoints."""

import dataclasses
from datetime import UTC, datetime, timedelta

from consent_service.domain.ledger import (
    Checkpoint,
    LedgerRecord,
    LedgerVerifier,
    RangeDigest,
    StoredEntry,
    checkpoint_hash,
    evidence_digest,
    genesis_hash,
    seal,
)

KEY = b"k" * 32
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def chain(
    subject_id: str, statuses: list[str], first_id: int = 1, step: int = 1
) -> list[StoredEntry]:
    entries, prev = [], genesis_hash(subject_id)
    for n, status in enumerate(statuses):
        evidence = {"form_id": "signup"}
        record = LedgerRecord(
            subject_id,
            n + 1,
            "consent",
            "newsletters",
            None,
            status,
            "registration",
            "key1",
            "2026-11-01",
            T0 + timedelta(seconds=n),
            evidence_digest(evidence, "nonce"),
            prev,
        )
        prev = record.hash()
        entries.append(StoredEntry(first_id + n * step, record, prev, evidence, "nonce"))
    return entries


def run(entries: list[StoredEntry], versions: dict[str, int], checkpoints=()) -> list[str]:
    verifier = LedgerVerifier(checkpoints, [KEY])
    for entry in entries:
        verifier.add(entry)
    return [str(f) for f in verifier.finish(versions.items())]


def make_checkpoint(entries: list[StoredEntry], key: bytes = KEY) -> Checkpoint:
    digest = RangeDigest()
    for e in entries:
        digest.add(e.id, e.hash)
    prev = genesis_hash("checkpoints")
    first, last = entries[0].id, entries[-1].id
    content = checkpoint_hash(prev, first, last, digest.count, digest.hexdigest(), T0)
    return Checkpoint(
        1, T0, first, last, digest.count, digest.hexdigest(), prev, content, seal(key, content)
    )


def test_an_intact_ledger_verifies() -> None:
    entries = chain("a", ["pending", "granted", "withdrawn"])
    assert run(entries, {"a": 3}, [make_checkpoint(entries)]) == []


def test_an_edited_status_is_found() -> None:
    entries = chain("a", ["pending", "granted"])
    edited = dataclasses.replace(entries[1].record, status="withdrawn")
    entries[1] = dataclasses.replace(entries[1], record=edited)
    assert any("edited" in f for f in run(entries, {"a": 2}))


def test_a_removed_middle_entry_is_found() -> None:
    entries = chain("a", ["pending", "granted", "withdrawn"])
    del entries[1]
    assert any("removed or reordered" in f for f in run(entries, {"a": 3}))


def test_a_removed_last_entry_is_found_through_the_subject_version() -> None:
    entries = chain("a", ["pending", "granted", "withdrawn"])
    assert any("entries removed" in f for f in run(entries[:-1], {"a": 3}))


def test_swapped_entries_are_found() -> None:
    entries = chain("a", ["pending", "granted", "withdrawn"])
    entries[0], entries[1] = (
        dataclasses.replace(entries[1], id=entries[0].id),
        dataclasses.replace(entries[0], id=entries[1].id),
    )
    assert any("removed or reordered" in f for f in run(entries, {"a": 3}))


def test_edited_evidence_is_found() -> None:
    entries = chain("a", ["granted"])
    entries[0] = dataclasses.replace(entries[0], evidence={"form_id": "other"})
    assert any("evidence" in f for f in run(entries, {"a": 1}))


def test_erased_evidence_still_verifies() -> None:
    entries = [
        dataclasses.replace(e, evidence=None, evidence_nonce=None) for e in chain("a", ["granted"])
    ]
    assert run(entries, {"a": 1}) == []


def test_a_chain_rewritten_end_to_end_is_caught_by_the_sealed_checkpoint() -> None:
    original = chain("a", ["pending", "granted"])
    checkpoint = make_checkpoint(original)
    forged = chain("a", ["pending", "withdrawn"])  # internally consistent, but not what was sealed
    findings = run(forged, {"a": 2}, [checkpoint])
    assert any("changed since it was sealed" in f for f in findings)


def test_a_checkpoint_forged_without_the_key_is_found() -> None:
    entries = chain("a", ["granted"])
    assert any("seal" in f for f in run(entries, {"a": 1}, [make_checkpoint(entries, b"x" * 32)]))


def test_interleaved_subjects_verify_independently() -> None:
    a = chain("a", ["granted", "withdrawn"], first_id=1, step=2)
    b = chain("b", ["pending"], first_id=2)
    assert run(sorted(a + b, key=lambda e: e.id), {"a": 2, "b": 1}) == []
