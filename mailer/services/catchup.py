"""Catch-up: find and repair whatever the mailer's view misses, by comparing it with the registry.

Messages can be lost outside anyone's control: a purged queue, a consumer killed after the
embedded broker handed it a message, a mailer database restored from an older backup. Both
sides hash their subjects into 256 buckets (`plumbing.catch_up`); only the buckets whose
digests differ are fetched and repaired, with the same version guards as messages, so a
catch-up racing the queue can never move anyone backwards (docs/decisions/0006-catch-up.md).
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Protocol

from mailer.domain import recipients
from mailer.domain.events import Snapshot
from mailer.domain.recipients import SubjectView, id_range
from mailer.services.view import RecipientView, ViewTransaction
from plumbing.catch_up import BUCKETS, SubjectState, bucket_digests, bucket_of


class RegistryFeed(Protocol):
    """The registry as catch-up sees it (`RegistryClient` in production). Every failure is
    a `mailer.services.fence.RegistryClientError`."""

    def digests(self) -> Mapping[str, str]: ...

    def bucket(self, bucket: str) -> list[Snapshot]: ...


@dataclass
class CatchUpReport:
    buckets_checked: int = 0
    buckets_differing: int = 0
    subjects_repaired: int = 0


def subject_state(view: SubjectView) -> SubjectState:
    """The line catch-up hashes for a subject; the registry builds the same from its rows."""
    recipient = view.recipient
    if recipient is None:
        return SubjectState(str(view.subject_id), view.erased_version or 0, erased=True)
    consents = {p: (state.status, state.version) for p, state in recipient.consents.items()}
    return SubjectState(str(view.subject_id), recipient.version, consents=consents)


def bucket_digest(bucket: str, views: Iterable[SubjectView]) -> str:
    """The digest of one bucket, from the views of the subjects in it."""
    return bucket_digests(subject_state(view) for view in views)[bucket]


def local_digests(transaction: ViewTransaction) -> dict[str, str]:
    """The digest of every bucket of the local view, read in 16 short transactions.

    Each sixteenth of the id space is streamed in id order, one bucket after the other, so
    memory holds one bucket at a time and SQLite's write lock is never held for long.
    """
    digests = bucket_digests(())
    for first_digit in "0123456789abcdef":
        with transaction() as store:
            views = store.views(*id_range(first_digit), stream=True)
            for bucket, group in groupby(views, key=lambda view: bucket_of(str(view.subject_id))):
                digests[bucket] = bucket_digest(bucket, group)
    return digests


def catch_up(
    transaction: ViewTransaction, registry_client: RegistryFeed, now: datetime | None = None
) -> CatchUpReport:
    """Compare every bucket with the registry's and repair those that differ.

    A differing bucket is read again just before its listing is fetched: a recipient that
    is then missing from the listing was already here before the registry answered, so it
    is one the registry does not have, not one whose first event arrived meanwhile.
    """
    now = now or datetime.now(UTC)
    remote = registry_client.digests()
    local = local_digests(transaction)
    report = CatchUpReport(buckets_checked=len(BUCKETS))
    for bucket in BUCKETS:
        if local[bucket] == remote.get(bucket):
            continue
        report.buckets_differing += 1
        with transaction() as store:
            held = store.bucket(bucket)
        listing = registry_client.bucket(bucket)
        with transaction() as store:
            report.subjects_repaired += _repair(store, bucket, held, listing, now)
    return report


def _repair(
    store: RecipientView,
    bucket: str,
    held: Mapping[uuid.UUID, SubjectView],
    listing: list[Snapshot],
    now: datetime,
) -> int:
    """Apply the registry's snapshots and drop recipients it does not list; count changes."""
    store.lock_bucket(bucket)
    current = store.bucket(bucket)
    listed = {snapshot.subject_id: snapshot for snapshot in listing}
    repaired = 0
    for subject_id in listed.keys() | held.keys():
        before = current.get(subject_id, SubjectView(subject_id))
        snapshot = listed.get(subject_id)
        if snapshot is not None:
            after, _ = recipients.apply(before, snapshot)
        elif _unchanged_since(held[subject_id], before):
            after = recipients.forget(before)
        else:
            continue
        if after != before:
            store.save(before, after, now)
            repaired += 1
    return repaired


def _unchanged_since(seen: SubjectView, now: SubjectView) -> bool:
    """A recipient not touched since the bucket was read (so not newer than the listing)."""
    return (
        seen.recipient is not None
        and now.recipient is not None
        and now.recipient.version <= seen.recipient.version
    )
