"""The ids of SendGrid events already applied; the caller owns the transaction."""

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository

_TABLE = orm.WebhookEvent.__table__


def record(registry: SqlRepository, event_id: str, now: datetime) -> bool:
    """Remember an event id; False if it was there already (SendGrid delivered it again).

    ON CONFLICT DO NOTHING makes a concurrent delivery of the same event wait for the first
    transaction and then insert nothing, rather than fail.
    """
    dialect = registry.connection.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(_TABLE)
        .values(event_id=event_id, received_at=now)
        .on_conflict_do_nothing()
        .returning(_TABLE.c.event_id)
    )
    return registry.connection.execute(statement).first() is not None
