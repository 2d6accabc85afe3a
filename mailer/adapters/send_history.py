"""What the mailer sent one person: reads of the send ledger for an export.

Campaign emails come from `mailer_deliveries` (with their run's campaign), double opt-in and
preference-link emails from `mailer_confirmations` (its `kind`). Only rows whose email
reached, or may have reached, the backend are emails (`send_ledger.EMAIL_OUTCOMES`): a
recipient skipped at the send-time check, cancelled or still planned was never written to.
Both lookups use an index on the subject id.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailer.adapters import orm
from mailer.domain.send_ledger import EMAIL_OUTCOMES, SentEmail, oldest_first

_D, _R, _C = orm.Delivery, orm.Run, orm.Confirmation


class SqlSendHistory:
    """A person's emails, over one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def emails_of(self, subject_id: uuid.UUID) -> list[SentEmail]:
        """Every campaign, confirmation and preference-link email to this person, oldest
        first."""
        states = list(EMAIL_OUTCOMES)
        campaigns = self.session.execute(
            select(
                _D.run_id, _R.campaign_id, _R.campaign_name, _D.state, _D.finished_at, _D.claimed_at
            )
            .join(_R, _R.run_id == _D.run_id)
            .where(_D.subject_id == subject_id, _D.state.in_(states))
        )
        confirmations = self.session.execute(
            select(_C.kind, _C.state, _C.finished_at, _C.claimed_at).where(
                _C.subject_id == subject_id, _C.state.in_(states)
            )
        )
        return oldest_first(
            [
                SentEmail(
                    "campaign", campaign, name, run, finished or claimed, EMAIL_OUTCOMES[state]
                )
                for run, campaign, name, state, finished, claimed in campaigns
            ]
            + [
                SentEmail(kind, None, None, None, finished or claimed, EMAIL_OUTCOMES[state])
                for kind, state, finished, claimed in confirmations
            ]
        )
