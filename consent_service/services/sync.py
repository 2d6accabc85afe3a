"""The registry's half of catch-up and of the send-time fence: what it holds, for the mailer.

Catch-up compares per-bucket digests and fetches whole buckets (schemas/messages/sync.py,
docs/decisions/0006-catch-up.md). The fence asks, before every send batch, for the current
versions of that batch's recipients and fetches those that moved on
(docs/decisions/0010-links-and-tokens.md).
"""

import uuid
from collections.abc import Collection, Iterator
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
    registry: Registry,
    bounds: tuple[uuid.UUID, uuid.UUID] | None,
    ids: Collection[uuid.UUID] | None = None,
) -> Iterator[SubjectSnapshot]:
    consents: dict[uuid.UUID, dict[str, tuple[str, int]]] = {}
    for subject_id, purpose, status, version in registry.consent_states(bounds, ids):
        consents.setdefault(subject_id, {})[purpose] = (status, version)
    for row in registry.subject_states(bounds, ids):
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


def versions(registry: Registry, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Current versions of the subjects among `ids` the registry holds, tombstones included;
    an id it never had (or no longer has at all) is absent."""
    return registry.versions_of(set(ids))


def purpose_versions(
    registry: Registry, ids: Collection[uuid.UUID], purpose: str
) -> dict[uuid.UUID, int]:
    """The version of each subject's last change of `purpose`, for those holding it."""
    return registry.purpose_versions_of(set(ids), purpose)


def subjects(registry: Registry, ids: Collection[uuid.UUID]) -> list[SubjectSnapshot]:
    """The same records as a bucket listing, for just these subjects."""
    return list(_snapshots(registry, None, set(ids)))
