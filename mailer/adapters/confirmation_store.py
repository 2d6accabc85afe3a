"""Reads and writes of the transactional emails waiting to be sent: double opt-in emails and
the preference-centre links people ask for (`kind`).

Like the run stores: Core statements in the caller's transaction, each state change naming
the state it leaves, so a confirmation email is claimed once however many workers try, and the
address is forgotten as soon as the email's outcome is recorded (`mailer.domain.confirmations`).
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from mailer.adapters import orm
from mailer.adapters.sql import among, dialect_insert
from mailer.domain import confirmations, send_ledger
from mailer.domain.confirmations import CONFIRMATION, QueuedEmail
from plumbing.db import changed_rows

_Confirmation = orm.Confirmation


class SqlConfirmations:
    """The queue of confirmation and preference-link emails, over one session."""

    def __init__(self, session: Session, dialect: str) -> None:
        self.session = session
        self.dialect = dialect

    def queue(
        self,
        message_id: uuid.UUID,
        subject_id: uuid.UUID,
        address: str,
        locale: str,
        confirm_url: str,
        purposes: Iterable[str],
        now: datetime,
        kind: str = CONFIRMATION,
        content: Mapping[str, Any] | None = None,
    ) -> None:
        statement = dialect_insert(self.dialect, _Confirmation).values(
            content=dict(content) if content is not None else None,
            message_id=message_id,
            subject_id=subject_id,
            kind=kind,
            address=address,
            locale=locale,
            confirm_url=confirm_url,
            purposes=list(purposes),
            state=confirmations.QUEUED,
            created_at=now,
        )
        self.session.execute(statement.on_conflict_do_nothing())

    def delete_of(self, subject_id: uuid.UUID) -> None:
        """Erasure: the subject's confirmation emails go, sent or not (they name the person)."""
        self.session.execute(delete(_Confirmation).where(_Confirmation.subject_id == subject_id))

    def claim(self, now: datetime, limit: int) -> list[QueuedEmail]:
        """Take up to `limit` queued confirmation emails for sending, oldest first."""
        queued = (
            select(_Confirmation.message_id)
            .where(_Confirmation.state == confirmations.QUEUED)
            .order_by(_Confirmation.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(self.session.execute(queued).scalars())
        if not ids:
            return []
        statement = (
            update(_Confirmation)
            .where(
                among(self.dialect, _Confirmation.message_id, ids),
                _Confirmation.state == confirmations.QUEUED,
            )
            .values(state=confirmations.CLAIMED, claimed_at=now)
            .returning(
                _Confirmation.message_id,
                _Confirmation.subject_id,
                _Confirmation.kind,
                _Confirmation.address,
                _Confirmation.locale,
                _Confirmation.confirm_url,
                _Confirmation.purposes,
                _Confirmation.content,
            )
        )
        return [_queued(*row) for row in self.session.execute(statement)]

    def finish(
        self, message_id: uuid.UUID, state: str, now: datetime, reason: str | None = None
    ) -> None:
        """Record what became of a claimed confirmation email and forget its address."""
        self.session.execute(
            update(_Confirmation)
            .where(
                _Confirmation.message_id == message_id,
                _Confirmation.state == confirmations.CLAIMED,
            )
            .values(state=state, finished_at=now, reason=reason, address=None, content=None)
        )

    def release(self, message_ids: Sequence[uuid.UUID]) -> None:
        """Put claimed confirmations that were not handed to the backend back in the queue."""
        self.session.execute(
            update(_Confirmation)
            .where(
                among(self.dialect, _Confirmation.message_id, message_ids),
                _Confirmation.state == confirmations.CLAIMED,
            )
            .values(state=confirmations.QUEUED, claimed_at=None)
        )

    def expire_claims(self, claimed_before: datetime, now: datetime) -> int:
        """Confirmations claimed by a worker that stopped before recording the outcome."""
        statement = (
            update(_Confirmation)
            .where(
                _Confirmation.state == confirmations.CLAIMED,
                _Confirmation.claimed_at < claimed_before,
            )
            .values(
                state=send_ledger.UNKNOWN,
                finished_at=now,
                reason=send_ledger.TAKEN_OVER,
                address=None,
            )
        )
        return changed_rows(self.session, statement)


def _queued(
    message_id: uuid.UUID,
    subject_id: uuid.UUID,
    kind: str,
    address: str | None,
    locale: str,
    confirm_url: str,
    purposes: list[str],
    content: Mapping[str, Any] | None,
) -> QueuedEmail:
    assert address is not None  # cleared once the email is finished, never while it is queued
    return QueuedEmail(
        message_id,
        subject_id,
        kind,
        address,
        locale,
        confirm_url,
        purposes,
        dict(content) if content is not None else None,
    )
