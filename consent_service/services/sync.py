"""The registry's half of catch-up: what it holds, per bucket, for the mailer to compare.

See schemas/messages/sync.py for the protocol and docs/decisions/0006-catch-up.md for why.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from consent_service.adapters.repository import Registry
from schemas.messages.sync import BUCKETS, SubjectState, bucket_digests


@dataclass(frozen=True)
class SubjectSnapshot:
    state: SubjectState
    email: str | None
    locale: str | None
    name: str | None


def bucket_bounds(bucket: str) -> tuple[uuid.UUID, uuid.UUID]:
    if bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}")
    return uuid.UUID(bucket + "0" * 30), uuid.UUID(bucket + "f" * 30)


def _snapshots(
    registry: Registry, bounds: tuple[uuid.UUID, uuid.UUID] | None
) -> Iterator[SubjectSnapshot]:
    consents: dict[uuid.UUID, dict[str, tuple[str, int]]] = {}
    for subject_id, purpose, status, version in registry.consent_states(bounds):
        consents.setdefault(subject_id, {})[purpose] = (status, version)
    for row in registry.subject_states(bounds):
        erased = row.erased_at is not None
        state = SubjectState(
            subject_id=str(row.id),
            version=row.version,
            erased=erased,
            consents={} if erased else consents.get(row.id, {}),
        )
        yield SubjectSnapshot(state, row.email, row.locale, row.name)


def digests(registry: Registry) -> dict[str, str]:
    return bucket_digests(snapshot.state for snapshot in _snapshots(registry, None))


def bucket(registry: Registry, name: str) -> list[SubjectSnapshot]:
    return list(_snapshots(registry, bucket_bounds(name)))
