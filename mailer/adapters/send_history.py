"""What the mailer sent one person: reads of the send ledger for an export.

Campaign emails come from `mailer_deliveries` (with their run's campaign), double opt-in and
preference-link emails from `mailer_confirmations` (its `kind`). Only rows whose email
reached, or may have reached, the backend are emails: a recipient skipped at the send-time
check, cancelled or still planned was never written to. Both lookups use an index on the
subject id.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailer.adapters import orm

_D, _R, _C = orm.Delivery, orm.Run, orm.Confirmation

OUTCOMES = {"sent": "sent", "failed": "failed", "unknown": "unknown", "claimed": "unknown"}
"""Ledger state to outcome; `claimed` is committed just before the backend call, so such an
email is in flight or its worker died: either way it may have gone, which is `unknown`."""


@dataclass(frozen=True)
class SentEmail:
    kind: str
    campaign_id: uuid.UUID | None
    campaign_name: str | None
    run_id: uuid.UUID | None
    sent_at: datetime | None
    outcome: str


def emails_of(session: Session, subject_id: uuid.UUID) -> list[SentEmail]:
    """Every campaign, confirmation and preference-link email to this person, oldest first."""
    campaigns = session.execute(
        select(_D.run_id, _R.campaign_id, _R.campaign_name, _D.state, _D.finished_at, _D.claimed_at)
        .join(_R, _R.run_id == _D.run_id)
        .where(_D.subject_id == subject_id, _D.state.in_(list(OUTCOMES)))
    )
    confirmations = session.execute(
        select(_C.kind, _C.state, _C.finished_at, _C.claimed_at).where(
            _C.subject_id == subject_id, _C.state.in_(list(OUTCOMES))
        )
    )
    emails = [
        SentEmail("campaign", campaign, name, run, finished or claimed, OUTCOMES[state])
        for run, campaign, name, state, finished, claimed in campaigns
    ] + [
        SentEmail(kind, None, None, None, finished or claimed, OUTCOMES[state])
        for kind, state, finished, claimed in confirmations
    ]
    return sorted(emails, key=lambda e: (e.sent_at is None, e.sent_at or datetime.min, e.kind))
