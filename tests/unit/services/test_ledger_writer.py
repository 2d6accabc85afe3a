"""The one writer of the ledger and the outbox, and the hash format it writes, pinned.

A stored ledger is verified by recomputing every hash (domain/ledger.py). If the format of
what is hashed changed, every ledger written before would stop verifying while every test
that writes and verifies a fresh one stayed green; so fixed entries (fixed ids, times,
evidence and nonce) are checked here against fixed hash literals, one per kind of entry.
"""

import uuid
from datetime import UTC, datetime

import pytest

from consent_service.domain.ledger import evidence_digest, genesis_hash
from consent_service.services.ledger_writer import Entry, Evidence, LedgerBatch, outbox_row
from schemas.messages import InvalidMessage
from tests.fakes.registry import FakeRepository

SUBJECT = uuid.UUID("6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f")
AT = datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=UTC)
NONCE = "00112233445566778899aabbccddeeff"
HEAD = "a" * 64
"""The hash of the subject's entry 2, which the pinned entries (each at seq 3) chain to."""
FORM = {"form_id": "newsletter", "ip": "203.0.113.0"}

PINNED = {
    "consent granted": (
        Entry(
            kind="consent",
            source="registration",
            actor="ck-4f2a",
            recorded_at=AT,
            evidence=Evidence(FORM, NONCE),
            purpose="newsletters",
            status="granted",
            policy_version="2026-11-01",
        ),
        "3c969dc7c411f29c8caad1b12150b2fa9a1cc069963dda70f358f6d1bc865b70",
    ),
    "consent withdrawn": (
        Entry(
            kind="consent",
            source="unsubscribe_link",
            actor="subject",
            recorded_at=AT,
            evidence=Evidence(FORM, NONCE),
            purpose="newsletters",
            previous_status="granted",
            status="withdrawn",
            policy_version="2026-11-01",
        ),
        "1290ef32bc6ca0ecceb2d4085ca82b349f968fea37ca600a94205c99a0b34cbc",
    ),
    "subject (rectification)": (
        Entry(
            kind="subject",
            source="preference_center",
            actor="subject",
            recorded_at=AT,
            evidence=Evidence({"changed": "locale"}, NONCE),
        ),
        "d99968a4967a67e3020273c363f011fb44bf8dcec70d69cefd46aad9b8ccaa3e",
    ),
    "suppression": (
        Entry(
            kind="suppression",
            source="esp_webhook",
            actor="sendgrid",
            recorded_at=AT,
            evidence=Evidence(
                {"esp_event": "bounce", "sg_event_id": "ev-1", "reason": "hard_bounce"}, NONCE
            ),
        ),
        "1891838d1fb35fc986efcd240dc1852e8f85e2411692f4ffba3df78d86aaf99c",
    ),
    "transfer": (
        Entry(
            kind="transfer",
            source="admin",
            actor="dpo-key",
            recorded_at=AT,
            evidence=Evidence(
                {
                    "transfer_id": "t-1",
                    "recipient": "crm",
                    "outcome": "delivered",
                    "attempts": "1",
                    "answer": "HTTP 204",
                },
                NONCE,
            ),
        ),
        "7a668a62456485c5d40a3d9ea0f49dc053d6796e919093012bd30c9846dc1fc1",
    ),
    "erasure": (
        Entry(
            kind="erasure",
            source="admin",
            actor="ck-4f2a",
            recorded_at=AT,
            evidence=Evidence(None, NONCE),
        ),
        "11aa482b60cc791938b0be78996fb3523715b35d9843ad5784f7396b66a4cbea",
    ),
}


@pytest.mark.parametrize("kind", PINNED)
def test_an_entry_of_each_kind_hashes_to_its_pinned_value(kind: str) -> None:
    entry, expected = PINNED[kind]
    batch = LedgerBatch()
    batch.resume(SUBJECT, 2, HEAD)
    assert batch.add(SUBJECT, entry) == 3
    [(record, entry_hash, evidence, nonce)] = batch.entries
    assert (record.subject_id, record.seq, record.prev_hash) == (str(SUBJECT), 3, HEAD)
    assert (evidence, nonce) == (entry.evidence.shown, NONCE)
    assert record.hash() == entry_hash == expected


def test_the_genesis_hash_is_pinned() -> None:
    assert genesis_hash(str(SUBJECT)) == (
        "c47a35da36eff314715679972725ca70bc6215ee0c8d02242ce87dc36abddfb5"
    )


def test_the_evidence_digest_is_pinned_and_an_empty_evidence_has_one_too() -> None:
    assert (
        evidence_digest(FORM, NONCE)
        == Evidence(FORM, NONCE).digest
        == ("a7edcc6d8d26ef6c1cd0d01b095e530f196333d13f3757615531010db7532d11")
    )
    assert evidence_digest(None, NONCE) == (
        "d3a391069c91eb8ebbf0a5cf159e79b942b19187470e7e62b1fc6a72df42ef83"
    )


def test_every_evidence_gets_a_fresh_nonce() -> None:
    assert Evidence(FORM).nonce != Evidence(FORM).nonce


def test_entries_chain_each_to_the_one_before_from_the_subjects_first(tables) -> None:
    registry = FakeRepository(tables)
    first = LedgerBatch()
    first.follow(registry, SUBJECT, 0)
    entry = PINNED["consent granted"][0]
    assert [first.add(SUBJECT, entry), first.add(SUBJECT, entry)] == [1, 2]
    first.write(registry)
    second = LedgerBatch()
    second.follow(registry, SUBJECT, 2)
    second.add(SUBJECT, entry)
    second.write(registry)
    records = [e.record for e in registry.history(SUBJECT)]
    assert records[0].prev_hash == genesis_hash(str(SUBJECT))
    assert [r.prev_hash for r in records[1:]] == [e.hash for e in registry.history(SUBJECT)[:-1]]


def test_a_chain_missing_the_entry_to_follow_is_never_continued(registry) -> None:
    with pytest.raises(RuntimeError, match="has no entry 4"):
        LedgerBatch().follow(registry, SUBJECT, 4)


def test_a_batch_of_many_subjects_is_written_in_one_call_per_table(tables) -> None:
    calls = []

    class Counting(FakeRepository):
        def append_ledger(self, entries):
            calls.append(("ledger", len(entries)))
            super().append_ledger(entries)

        def add_outbox(self, messages):
            calls.append(("outbox", len(messages)))
            super().add_outbox(messages)

    batch = LedgerBatch()
    for _ in range(3):
        subject_id = uuid.uuid4()
        batch.resume(subject_id, 0, genesis_hash(str(subject_id)))
        batch.add(subject_id, PINNED["erasure"][0])
        body = {
            "schema": "subject.erased/1",
            "message_id": str(uuid.uuid4()),
            "occurred_at": "2026-11-02T09:30:15.123456Z",
            "subject_id": str(subject_id),
            "version": 1,
        }
        batch.announce(subject_id, "subject.erased", body, AT)
    batch.write(Counting(tables))
    assert calls == [("ledger", 3), ("outbox", 3)]


def test_a_message_the_mailer_would_refuse_is_never_written() -> None:
    body = {
        "schema": "subject.erased/1",
        "message_id": str(uuid.uuid4()),
        "occurred_at": "2026-11-02T09:30:15Z",
        "subject_id": str(SUBJECT),
        "version": 0,
    }
    with pytest.raises(InvalidMessage, match=r"subject\.erased/1"):
        outbox_row(SUBJECT, "subject.erased", body, AT)
    with pytest.raises(InvalidMessage, match="unknown message schema"):
        outbox_row(SUBJECT, "subject.erased", body | {"schema": "subject.vanished/1"}, AT)
