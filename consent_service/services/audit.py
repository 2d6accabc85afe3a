"""Verifying the ledger and sealing checkpoints over it.

A verification run by `consent audit verify` or by the console's "verify now" is recorded
(`verify_and_record`), so that the console can show when the ledger was last proved whole, by
whom, and what did not verify (decision 0045).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from consent_service.domain.ledger import (
    Checkpoint,
    Finding,
    LedgerVerifier,
    RangeDigest,
    Verification,
    checkpoint_hash,
    genesis_hash,
    seal,
)
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.services.console_log import AuditLog
from consent_service.services.ports import Repository
from consent_service.services.staff_accounts import Acting

# Entries younger than this are left for the next checkpoint: on PostgreSQL ids are taken
# before commit, so a slow transaction could still add an id inside a sealed range.
CHECKPOINT_SETTLE = timedelta(seconds=60)
KEPT_FINDINGS = 50
"""A ledger rewritten end to end yields a finding per entry; the first ones say enough, and the
whole list is one `consent audit verify` away."""
COMMAND_LINE = "cli"
"""The actor of a verification run from the command line."""


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


def verify_and_record(
    registry: Repository, secret_keys: list[str], actor: str, now: datetime
) -> tuple[AuditReport, Verification]:
    """Verify the whole ledger and keep the outcome, broken or not, under `actor`."""
    report = verify(registry, secret_keys)
    verification = Verification(
        verified_at=now,
        actor=actor,
        entries=report.entries,
        subjects=report.subjects,
        checkpoints=report.checkpoints,
        problems=len(report.findings),
        findings=tuple(str(finding) for finding in report.findings[:KEPT_FINDINGS]),
    )
    registry.audit.add_verification(verification)
    return report, verification


def verify_now(
    registry: Repository, log: AuditLog, acting: Acting, secret_keys: list[str], now: datetime
) -> Verification:
    """The console's "verify now": verified, kept, and in the console audit log."""
    _report, verification = verify_and_record(
        registry, secret_keys, f"console:{acting.user_id}", now
    )
    details = {"entries": verification.entries, "problems": verification.problems}
    log.record(
        AuditEntry(
            now, acting.user_id, AuditAction.LEDGER_VERIFIED, None, acting.client_address, details
        )
    )
    return verification


@dataclass(frozen=True)
class AuditState:
    """What the console shows of the audit: the last verification and the last checkpoint."""

    verification: Verification | None
    checkpoint: Checkpoint | None


def state(registry: Repository) -> AuditState:
    return AuditState(registry.audit.last_verification(), registry.audit.last_checkpoint())


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
