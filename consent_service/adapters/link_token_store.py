"""The single-use link tokens that were used, kept by digest; the caller owns the transaction.

"Use once" is decided by the table's primary key, not by a read before the write: two clicks
on one double opt-in link that arrive together both try to insert the digest, and
`INSERT ... ON CONFLICT DO NOTHING` lets exactly one of them in. On PostgreSQL the second
insert waits for the first transaction and then inserts nothing; on SQLite every write
transaction begins with BEGIN IMMEDIATE, so the second one runs after the first. Neither
raises an IntegrityError, so neither click ends in an error page.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent_service.adapters import orm
from consent_service.services.ports.links import TokenUse
from plumbing.db import insert_on_conflict

_USED = orm.UsedLinkToken.__table__


class LinkTokenStore:
    """The `LinkTokens` port over one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def was_used(self, digest: bytes) -> bool:
        query = select(_USED.c.digest).where(_USED.c.digest == digest)
        return self.session.execute(query).first() is not None

    def use(self, use: TokenUse) -> bool:
        """Record the use; False (and nothing written) if the token was used before."""
        dialect = self.session.get_bind().dialect.name
        statement = (
            insert_on_conflict(dialect, _USED)
            .values(
                digest=use.digest,
                intent=use.intent,
                subject_id=use.subject_id,
                used_at=use.used_at,
                expires_at=use.expires_at,
            )
            .on_conflict_do_nothing()
            .returning(_USED.c.digest)
        )
        return self.session.execute(statement).first() is not None
