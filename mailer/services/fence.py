"""The send-time fence: bring a batch's recipients up to date with the registry before the check.

The view lags the registry by however long a message takes to arrive, and a message can be
lost (catch-up repairs that, minutes later). A withdrawal the registry answered 2xx before a
batch's check must still stop that batch's email (SPEC guarantee 1), so the view alone is
not enough: just before the check the sender asks the registry which version it holds of
each planned recipient, and applies the full record of every subject the view is behind on,
with the same locks and version guards as catch-up. If the registry cannot be asked, the
batch is not sent (docs/decisions/0008-campaign-runs.md). The registry also says whose
address is suppressed now, which can change without a version of the subject's (the address
bounced before they signed up): a subject the view disagrees with about it is fetched too
(docs/decisions/0014-esp-events-and-suppression.md).
"""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from mailer.domain import recipients
from mailer.domain.events import Snapshot
from mailer.domain.recipients import SubjectView
from mailer.services.view import RecipientView, ViewTransaction
from plumbing.catch_up import bucket_of


class RegistryClientError(Exception):
    """The registry could not be asked, or answered something the mailer cannot use.

    Raised by the mailer's HTTP client of the registry (`RegistryClient`), for the fence
    and for catch-up alike; declared here, where it decides something: no batch goes out.
    """


class RegistryCheck(Protocol):
    """The registry as the fence sees it (`RegistryClient` in production). Every failure is
    a RegistryClientError."""

    def fence_versions(
        self, ids: Sequence[uuid.UUID], purpose: str
    ) -> Mapping[uuid.UUID, tuple[int, int, bool]]:
        """For each id the registry holds: its version, the version of its last change of
        `purpose` (0 if none), and whether its address is suppressed."""
        ...

    def subjects(self, ids: Sequence[uuid.UUID]) -> list[Snapshot]:
        """The registry's whole record of each of these subjects it holds."""
        ...


class FenceUnavailable(Exception):
    """The registry could not be asked; the batch must not be sent now."""


def bring_up_to_date(
    transaction: ViewTransaction,
    registry_client: RegistryCheck,
    ids: Sequence[uuid.UUID],
    purpose: str,
    now: datetime,
) -> int:
    """Apply the registry's newer records of these subjects to the view; how many changed.

    A subject is behind when the registry holds it at a higher version than the view, or
    holds a newer change of the batch's purpose: the view's subject version is the highest
    it applied, so a purpose change that arrived late, after a newer change of another
    purpose, shows only in the purpose's own version; or when the two disagree about its
    address being suppressed (the snapshot then corrects the flag at the same version, see
    `mailer.domain.recipients`). A subject behind gets its snapshot
    applied; one the registry no longer holds at all is forgotten, unless the view changed
    it since it was read before asking (that change is newer than the answer).
    """
    with transaction() as store:
        held = store.versions(ids)
        held_purpose = store.purpose_versions(ids, purpose)
        held_suppressed = store.suppressed_among(ids)
    try:
        current = registry_client.fence_versions(ids, purpose)
        behind = [
            i
            for i in ids
            if i in current
            and (
                current[i][0] > held.get(i, 0)
                or current[i][1] > held_purpose.get(i, 0)
                or current[i][2] != (i in held_suppressed)
            )
        ]
        fetched = registry_client.subjects(behind) if behind else []
        snapshots = {snapshot.subject_id: snapshot for snapshot in fetched}
    except RegistryClientError as error:
        raise FenceUnavailable(str(error)) from error
    gone = [i for i in ids if i in held and (i not in current or i in behind)]
    gone = [i for i in gone if i not in snapshots]
    if not snapshots and not gone:
        return 0
    changed = 0
    with transaction() as store:
        for bucket in sorted({bucket_of(str(i)) for i in [*snapshots, *gone]}):
            store.lock_bucket(bucket)
        for subject_id, snapshot in snapshots.items():
            before = store.load(subject_id)
            after, _ = recipients.apply(before, snapshot)
            changed += _save(store, before, after, now)
        for subject_id in gone:
            before = store.load(subject_id)
            if _unchanged_since(held[subject_id], before):
                changed += _save(store, before, recipients.forget(before), now)
    return changed


def _save(store: RecipientView, before: SubjectView, after: SubjectView, now: datetime) -> int:
    if after == before:
        return 0
    store.save(before, after, now)
    return 1


def _unchanged_since(version: int, view: SubjectView) -> bool:
    return view.recipient is not None and view.recipient.version <= version
