"""The send ledger's rows: who is planned, what the check reads, and every move of a row."""

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from mailer.adapters import orm
from mailer.adapters.sql import CORE, among, chunks
from mailer.domain import send_ledger
from mailer.domain.send_ledger import RecipientStatus

_Delivery, _R, _C = orm.Delivery, orm.Recipient, orm.RecipientConsent


class SqlLedger:
    """Reads and moves of the send ledger's rows, over one session."""

    def __init__(self, session: Session, dialect: str) -> None:
        self.session = session
        self.dialect = dialect

    def planned(self, run_id: uuid.UUID, batch_no: int) -> list[uuid.UUID]:
        query = select(_Delivery.subject_id).where(
            _Delivery.run_id == run_id,
            _Delivery.batch_no == batch_no,
            _Delivery.state == send_ledger.PLANNED,
        )
        return list(self.session.execute(query.order_by(_Delivery.subject_id)).scalars())

    def people(self, ids: Sequence[uuid.UUID], purpose: str) -> dict[uuid.UUID, RecipientStatus]:
        """The view's status for `purpose` and the contact of each id the view holds."""
        found: dict[uuid.UUID, RecipientStatus] = {}
        for chunk in chunks(ids):
            query = (
                select(_R.subject_id, _C.status, _R.email, _R.locale, _R.name, _R.suppressed)
                .outerjoin(_C, and_(_C.subject_id == _R.subject_id, _C.purpose == purpose))
                .where(among(self.dialect, _R.subject_id, chunk))
            )
            for row in self.session.execute(query):
                found[row.subject_id] = RecipientStatus(*row)
        return found

    def recent_emails(self, ids: Sequence[uuid.UUID], since: datetime) -> dict[uuid.UUID, int]:
        """Campaign emails each person may have been handed since `since`, across campaigns."""
        found: dict[uuid.UUID, int] = {}
        for chunk in chunks(ids):
            query = (
                select(_Delivery.subject_id, func.count())
                .where(
                    among(self.dialect, _Delivery.subject_id, chunk),
                    _Delivery.claimed_at >= since,
                    _Delivery.state.in_(send_ledger.CAP_COUNTED),
                )
                .group_by(_Delivery.subject_id)
            )
            found.update(dict(self.session.execute(query).all()))
        return found

    def mark(
        self,
        run_id: uuid.UUID,
        ids: Sequence[uuid.UUID],
        source: str,
        target: str,
        now: datetime,
        reason: str | None = None,
    ) -> list[uuid.UUID]:
        """Move these rows from `source` to `target`; the ids of the rows that moved."""
        moved: list[uuid.UUID] = []
        for chunk in chunks(ids):
            statement = (
                update(_Delivery)
                .where(
                    _Delivery.run_id == run_id,
                    among(self.dialect, _Delivery.subject_id, chunk),
                    _Delivery.state == source,
                )
                .values(send_ledger.written(target, now, reason))
                .returning(_Delivery.subject_id)
            )
            moved.extend(self.session.execute(statement, execution_options=CORE).scalars())
        return moved

    def mark_batch(
        self,
        run_id: uuid.UUID,
        batch_no: int,
        source: str,
        target: str,
        now: datetime,
        reason: str | None = None,
    ) -> list[uuid.UUID]:
        """Move every row of a batch in `source` to `target`."""
        statement = (
            update(_Delivery)
            .where(
                _Delivery.run_id == run_id,
                _Delivery.batch_no == batch_no,
                _Delivery.state == source,
            )
            .values(send_ledger.written(target, now, reason))
            .returning(_Delivery.subject_id)
        )
        return list(self.session.execute(statement, execution_options=CORE).scalars())

    def batch_states(self, run_id: uuid.UUID, batch_no: int) -> dict[str, int]:
        """The count of a batch's rows per state, whatever their locale."""
        found: Counter[str] = Counter()
        for states in self.batch_locale_states(run_id, batch_no).values():
            found.update(states)
        return dict(found)

    def batch_locale_states(
        self, run_id: uuid.UUID, batch_no: int
    ) -> dict[str | None, dict[str, int]]:
        """The count of a batch's rows per locale and state (locale None: planned before the
        mailer kept locales); one grouped query over the batch's rows."""
        query = (
            select(_Delivery.locale, _Delivery.state, func.count())
            .where(_Delivery.run_id == run_id, _Delivery.batch_no == batch_no)
            .group_by(_Delivery.locale, _Delivery.state)
        )
        found: dict[str | None, dict[str, int]] = {}
        for locale, state, count in self.session.execute(query):
            found.setdefault(locale, {})[state] = count
        return found
