"""The mailer's view of who may be mailed, as the services read and write it in a transaction.

Applying messages, catch-up and the send-time fence all change the view the same way: lock
the subject's bucket, load its view, apply a fact with `mailer.domain.recipients`, save the
difference. This is the port they share (`MailerStore` in SQL, `FakeStore` in the tests).
"""

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol

from mailer.domain.recipients import SubjectView
from mailer.services.unit_of_work import Transaction


class RecipientView(Protocol):
    def record_message(self, message_id: uuid.UUID, now: datetime) -> bool:
        """Remember a message id; False if it was there already (a duplicate delivery)."""
        ...

    def lock(self, subject_id: uuid.UUID) -> None:
        """Serialise work on a subject (on its bucket) until the transaction ends."""
        ...

    def lock_bucket(self, bucket: str) -> None: ...

    def versions(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """The version held of each id: the recipient's, else its tombstone's."""
        ...

    def purpose_versions(self, ids: Sequence[uuid.UUID], purpose: str) -> dict[uuid.UUID, int]:
        """The version of the `purpose` status held for each id that has one."""
        ...

    def suppressed_among(self, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]: ...

    def load(self, subject_id: uuid.UUID) -> SubjectView: ...

    def bucket(self, bucket: str) -> dict[uuid.UUID, SubjectView]:
        """Every subject held in one catch-up bucket, recipients and tombstones alike."""
        ...

    def views(
        self, low: uuid.UUID, high: uuid.UUID, *, stream: bool = False
    ) -> Iterator[SubjectView]:
        """Every subject with an id from `low` to `high`, in id order."""
        ...

    def save(self, before: SubjectView, after: SubjectView, now: datetime) -> None:
        """Write what changed between two views of one subject."""
        ...


ViewTransaction = Transaction[RecipientView]
