"""Verifying the ledger and sealing checkpoints over it."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from consent_service.domain.ledger import (
    Finding,
    LedgerVerifier,
    RangeDigest,
    checkpoint_hash,
    genesis_hash,
    seal,
)
from consent_service.services.ports import Repository

# Entries younger than this are left for the next checkpoint: on PostgreSQL ids are taken
# before commit, so a slow transaction could still add an id inside a sealed range.
CHECKPOINT_SETTLE = timedelta(seconds=60)


def seal_key(secret_key: str) -> bytes:
    """A key for checkpoint seals only, derived so that the signing key itself is not reused."""
    return hashlib.sha256(b"consent-ledger-seal\n" + secret_key.encode()).digest()


@dataclass(frozen=True)
class AuditReport:
    entries: int
    subjects: int
    checkpoints: int
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.findings


def verify(registry: Repository, secret_keys: list[str]) -> AuditReport:
    checkpoints = registry.audit.checkpoints()
    verifier = LedgerVerifier(checkpoints, [seal_key(k) for k in secret_keys])
    for entry in registry.audit.ledger_entries():
        verifier.add(entry)
    versions = list(registry.audit.subject_versions())
    findings = verifier.finish(versions)
    return AuditReport(verifier.entries, len(versions), len(checkpoints), findings)


def checkpoint(
    registry: Repository, secret_key: str, now: datetime, settle: timedelta = CHECKPOINT_SETTLE
) -> int | None:
    """Seal the settled entries since the last checkpoint; returns how many were sealed."""
    existing = registry.audit.checkpoints()
    previous = existing[-1] if existing else None
    after = previous.last_entry_id if previous else 0
    up_to = registry.audit.last_entry_id_before(now - settle)
    if up_to <= after:
        return None
    digest = RangeDigest()
    for entry in registry.audit.ledger_entries(after_id=after, up_to_id=up_to):
        digest.add(entry.id, entry.hash)
    prev_hash = previous.hash if previous else genesis_hash("checkpoints")
    content_hash = checkpoint_hash(
        prev_hash, after + 1, up_to, digest.count, digest.hexdigest(), now
    )
    registry.audit.add_checkpoint(
        {
            "created_at": now,
            "first_entry_id": after + 1,
            "last_entry_id": up_to,
            "entry_count": digest.count,
            "range_digest": digest.hexdigest(),
            "prev_hash": prev_hash,
            "hash": content_hash,
            "seal": seal(seal_key(secret_key), content_hash),
        }
    )
    return digest.count
