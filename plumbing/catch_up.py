"""The catch-up protocol: how the registry and the mailer compare what they hold.

Subjects fall into 256 buckets by the first two hex digits of their id. Each side hashes,
per bucket, one line per subject naming its version and every purpose's status and version.
The mailer asks the registry for these digests, compares them with its own, and fetches the
subjects of the buckets that differ (see docs/decisions/0006-catch-up.md). Both sides must
compute the lines identically, so the code lives here, in plumbing, which both import.
"""

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

BUCKETS = tuple(f"{n:02x}" for n in range(256))


def bucket_of(subject_id: str) -> str:
    return subject_id.replace("-", "")[:2].lower()


@dataclass(frozen=True)
class SubjectState:
    """What the mailer must know of one subject; `erased` subjects carry nothing else."""

    subject_id: str
    version: int
    erased: bool = False
    consents: Mapping[str, tuple[str, int]] = field(default_factory=dict)

    def fingerprint(self) -> str:
        if self.erased:
            return f"{self.subject_id}|{self.version}|erased"
        purposes = ",".join(
            f"{purpose}:{status}:{version}"
            for purpose, (status, version) in sorted(self.consents.items())
        )
        return f"{self.subject_id}|{self.version}|{purposes}"


def bucket_digests(states: Iterable[SubjectState]) -> dict[str, str]:
    """Digest of every bucket; the states may come in any order."""
    lines: dict[str, list[str]] = {bucket: [] for bucket in BUCKETS}
    for state in states:
        lines[bucket_of(state.subject_id)].append(state.fingerprint())
    return {
        bucket: hashlib.sha256("\n".join(sorted(found)).encode()).hexdigest()
        for bucket, found in lines.items()
    }
