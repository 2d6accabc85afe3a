"""The registry's half of catch-up and of the send-time fence: what it holds, for the mailer.

Catch-up compares per-bucket digests and fetches whole buckets (plumbing/catch_up.py,
docs/decisions/0006-catch-up.md). The fence asks, before every send batch, for the current
versions of that batch's recipients and fetches those that moved on
(docs/decisions/0010-links-and-tokens.md). Both also say whether the address a subject holds
now is suppressed, which only the registry can tell (docs/decisions/0014).
"""

import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from typing import Any

from consent_service.services.ports import Repository
from consent_service.services.suppressions import undeliverable
from plumbing.catch_up import BUCKETS, SubjectState, bucket_digests


@dataclass(frozen=True)
class SubjectSnapshot:
    state: SubjectState
    email: str | None
    locale: str | None
    name: str | None
    suppressed: bool = False
    attributes: dict[str, Any] | None = None
    """Decision 0047; None when the subject has none."""
    """No campaign email may go to the address it holds now (the suppression list)."""


def bucket_bounds(bucket: str) -> tuple[uuid.UUID, uuid.UUID]:
    if bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}")
    return uuid.UUID(bucket + "0" * 30), uuid.UUID(bucket + "f" * 30)


def _snapshots(
    registry: Repository,
    bounds: tuple[uuid.UUID, uuid.UUID] | None,
    ids: Collection[uuid.UUID] | None = None,
) -> Iterator[SubjectSnapshot]:
    consents: dict[uuid.UUID, dict[str, tuple[str, int]]] = {}
    for subject_id, purpose, status, version in registry.sync.consent_states(bounds, ids):
        consents.setdefault(subject_id, {})[purpose] = (status, version)
    for row in registry.sync.subject_states(bounds, ids):
        state = SubjectState(
            subject_id=str(row.id),
            version=row.version,
            erased=row.erased,
            consents={} if row.erased else consents.get(row.id, {}),
        )
        yield SubjectSnapshot(
            state,
            row.email,
            row.locale,
            row.name,
            attributes=None if row.erased else row.attributes,
        )


def digests(registry: Repository) -> dict[str, str]:
    return bucket_digests(snapshot.state for snapshot in _snapshots(registry, None))


def _with_suppression(
    registry: Repository, snapshots: list[SubjectSnapshot], secret_keys: tuple[str, ...]
) -> list[SubjectSnapshot]:
    emails = {s.state.subject_id: s.email for s in snapshots if s.email and not s.state.erased}
    held = undeliverable(registry, secret_keys, emails)
    return [replace(s, suppressed=s.state.subject_id in held) for s in snapshots]


def bucket(
    registry: Repository, name: str, *, secret_keys: tuple[str, ...]
) -> list[SubjectSnapshot]:
    snapshots = list(_snapshots(registry, bucket_bounds(name)))
    return _with_suppression(registry, snapshots, secret_keys)


def versions(registry: Repository, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Current versions of the subjects among `ids` the registry holds, tombstones included;
    an id it never had (or no longer has at all) is absent."""
    return registry.sync.versions_of(set(ids))


def purpose_versions(
    registry: Repository, ids: Collection[uuid.UUID], purpose: str
) -> dict[uuid.UUID, int]:
    """The version of each subject's last change of `purpose`, for those holding it."""
    return registry.sync.purpose_versions_of(set(ids), purpose)


def subjects(
    registry: Repository, ids: Collection[uuid.UUID], *, secret_keys: tuple[str, ...]
) -> list[SubjectSnapshot]:
    """The same records as a bucket listing, for just these subjects."""
    snapshots = list(_snapshots(registry, None, set(ids)))
    return _with_suppression(registry, snapshots, secret_keys)


def suppressed(
    registry: Repository, ids: Collection[uuid.UUID], *, secret_keys: tuple[str, ...]
) -> set[uuid.UUID]:
    """Those of `ids` whose current address no campaign email may go to.

    Asked by the fence for every batch, not only of subjects whose version moved: an address
    can be suppressed before its holder signs up, and that changes no version of theirs.
    """
    return undeliverable(registry, secret_keys, registry.sync.emails_of(set(ids)))
