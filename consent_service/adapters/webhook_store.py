"""The ids of SendGrid events already applied; the caller owns the transaction."""

from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from consent_service.adapters import orm

_TABLE = orm.WebhookEvent.__table__


class WebhookStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def record(self, event_id: str, now: datetime) -> bool:
        """ON CONFLICT DO NOTHING makes a concurrent delivery of the same event wait for the
        first transaction and then insert nothing, rather than fail."""
        dialect = self.connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(_TABLE)
            .values(event_id=event_id, received_at=now)
            .on_conflict_do_nothing()
            .returning(_TABLE.c.event_id)
        )
        return self.connection.execute(statement).first() is not None
