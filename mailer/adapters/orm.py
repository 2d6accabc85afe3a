"""The mailer's tables as SQLAlchemy 2 typed models; one schema for SQLite and PostgreSQL.

Table names differ from every registry table so both can live in one database. Alembic
migrations under `migrations/` create these tables; a test checks the two agree.
"""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, MetaData, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.sqltypes import NAMING, UtcDateTime

__all__ = ["Base", "UtcDateTime"]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), uuid.UUID: Uuid()}


class Recipient(Base):
    """A person the mailer may write to; `contact_version` is the version its contact is from."""

    __tablename__ = "recipients"

    subject_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str | None] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    contact_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class RecipientConsent(Base):
    """The status of one purpose for one recipient, with the version of the change."""

    __tablename__ = "recipient_consents"

    subject_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recipients.subject_id", ondelete="CASCADE"), primary_key=True
    )
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)


class ErasedSubject(Base):
    """A tombstone: no contact data, only what stops an older event re-creating the person."""

    __tablename__ = "erased_subjects"

    subject_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class ProcessedMessage(Base):
    """Ids of messages already applied, written in the transaction that applied them."""

    __tablename__ = "processed_messages"

    message_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    processed_at: Mapped[datetime]
