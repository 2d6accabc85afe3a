"""What the registry's campaign commands write: requested runs and campaign states.

These run in the consumer's transaction, so they stay short and never touch a recipient.
"""

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mailer.adapters import orm
from mailer.adapters.sql import dialect_insert
from mailer.domain import runs
from mailer.domain.runs import RunRecord

_Run, _Campaign = orm.Run, orm.CampaignState


class SqlCampaigns:
    """Runs as requested and campaigns' lifecycle states, over one session."""

    def __init__(self, session: Session, dialect: str) -> None:
        self.session = session
        self.dialect = dialect

    def add_run(self, run: RunRecord, now: datetime) -> bool:
        """Record a requested run; False if it is known already (idempotent by run id).

        A run of a campaign already cancelled is cancelled at once, with a report.
        """
        status = runs.status_on_arrival(self.state(run.campaign_id))
        cancelled = status == runs.RUN_CANCELLED
        statement = dialect_insert(self.dialect, _Run).values(
            run_id=run.run_id,
            campaign_id=run.campaign_id,
            campaign_name=run.campaign_name,
            purpose=run.purpose,
            default_locale=run.default_locale,
            content=dict(run.content),
            layout=dict(run.layout) if run.layout else None,
            status=status,
            finished_at=now if cancelled else None,
            reason=runs.CANCELLED_REASON if cancelled else None,
            report_sequence=1 if cancelled else 0,
            created_at=now,
        )
        inserted = statement.on_conflict_do_nothing().returning(_Run.run_id)
        return self.session.execute(inserted).first() is not None

    def state(self, campaign_id: uuid.UUID) -> str | None:
        query = select(_Campaign.state).where(_Campaign.campaign_id == campaign_id)
        return self.session.execute(query).scalar()

    def set_state(self, campaign_id: uuid.UUID, state: str, version: int) -> bool:
        """Keep the state of the highest version (`runs.supersedes`); False if this one is
        not newer."""
        statement = dialect_insert(self.dialect, _Campaign).values(
            campaign_id=campaign_id, state=state, version=version
        )
        upsert = statement.on_conflict_do_update(
            index_elements=[_Campaign.campaign_id],
            set_={"state": statement.excluded.state, "version": statement.excluded.version},
            where=_Campaign.version < statement.excluded.version,
        ).returning(_Campaign.campaign_id)
        return self.session.execute(upsert).first() is not None

    def cancel_unfinished_runs(self, campaign_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
        """Cancel the campaign's planned and running runs; their batches are drained later."""
        statement = (
            update(_Run)
            .where(_Run.campaign_id == campaign_id, _Run.status.in_(runs.RUN_UNFINISHED))
            .values(
                status=runs.RUN_CANCELLED,
                finished_at=now,
                reason=runs.CANCELLED_REASON,
                report_sequence=_Run.report_sequence + 1,
            )
            .returning(_Run.run_id)
        )
        return list(self.session.execute(statement).scalars())
