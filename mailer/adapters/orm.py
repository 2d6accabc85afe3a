"""The mailer's tables as SQLAlchemy 2 typed models; one schema for SQLite and PostgreSQL.

Table names differ from every registry table so both can live in one database (the campaign
tables all start with `mailer_`). Alembic migrations under `migrations/` create these
tables; a test checks the two agree.
"""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.sqltypes import NAMING, UtcDateTime

__all__ = ["Base", "UtcDateTime"]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), uuid.UUID: Uuid()}

    if TYPE_CHECKING:
        # Every model names a `__tablename__`, so each is mapped to a `Table` (never a join or
        # a select): the stores build Core inserts and updates on `Model.__table__`.
        __table__: ClassVar[Table]


class Recipient(Base):
    """A person the mailer may write to; `contact_version` is the version its contact is from.

    `suppressed`: the address is on the registry's suppression list, so no campaign email.
    """

    __tablename__ = "recipients"

    subject_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str | None] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    contact_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    attributes: Mapped[dict[str, Any] | None] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql")
    )
    """The subject's attributes as the registry last said (decision 0047)."""


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


class Run(Base):
    """One run of a campaign as the mailer sends it, with its cumulative counts.

    `report_sequence` grows with every change worth reporting; the report pump publishes
    when it is ahead of `reported_sequence` (`mailer.run_report/1`).
    """

    __tablename__ = "mailer_runs"

    run_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    campaign_id: Mapped[uuid.UUID] = mapped_column(index=True)
    campaign_name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(32))
    default_locale: Mapped[str] = mapped_column(String(8))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    layout: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The campaign's layout per locale as requested; null: the default (brand settings)."""
    status: Mapped[str] = mapped_column(String(16), index=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    skipped_withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    skipped_capped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    unknown: Mapped[int] = mapped_column(Integer, default=0)
    batches_total: Mapped[int] = mapped_column(Integer, default=0)
    batches_open: Mapped[int] = mapped_column(Integer, default=0)
    report_sequence: Mapped[int] = mapped_column(Integer, default=0)
    reported_sequence: Mapped[int] = mapped_column(Integer, default=0)
    reported_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    retry_of: Mapped[uuid.UUID | None]
    """A retry run: it sends to this earlier run's `failed` recipients only."""


class CampaignState(Base):
    """A campaign's lifecycle state as of the highest `campaign.control/1` version seen."""

    __tablename__ = "mailer_campaigns"

    campaign_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)


class Batch(Base):
    """A unit of the work queue: `MAILER_BATCH_SIZE` deliveries, leased by one worker at a time."""

    __tablename__ = "mailer_batches"

    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mailer_runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    batch_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    checked_at: Mapped[datetime | None]
    """When its latest send-time check began: every withdrawal the registry answered before
    then is honoured by it (SPEC guarantee 1)."""


class Delivery(Base):
    """The send ledger: one row per run and recipient; `claimed` is committed before sending."""

    __tablename__ = "mailer_deliveries"
    __table_args__ = (
        Index("ix_mailer_deliveries_batch", "run_id", "batch_no"),
        Index("ix_mailer_deliveries_cap", "subject_id", "claimed_at"),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mailer_runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    subject_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    batch_no: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    claimed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    locale: Mapped[str | None] = mapped_column(String(8))
    """The locale the run writes to this recipient in, fixed when the run is planned; null for
    rows planned before the mailer counted per locale."""


class RunLocale(Base):
    """A run's counts for the recipients it writes to in one locale (decision 0035).

    Filled when the run is planned and added to as each batch closes, like the run's own
    counts, so that a report reads a few rows however many recipients the run has.
    """

    __tablename__ = "mailer_run_locales"

    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mailer_runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(8), primary_key=True)
    recipients: Mapped[int] = mapped_column(Integer, server_default="0")
    sent: Mapped[int] = mapped_column(Integer, server_default="0")
    skipped_withdrawn: Mapped[int] = mapped_column(Integer, server_default="0")
    skipped_capped: Mapped[int] = mapped_column(Integer, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, server_default="0")
    unknown: Mapped[int] = mapped_column(Integer, server_default="0")


class Confirmation(Base):
    """A transactional email with one link to send: a double opt-in email (`kind`
    `confirmation`, `confirm_url` its link) or a preference-centre link the person asked for
    (`preferences`, `confirm_url` that link, no purposes). The address is cleared once
    it is no longer needed."""

    __tablename__ = "mailer_confirmations"
    __table_args__ = (Index("ix_mailer_confirmations_queue", "state", "created_at"),)

    message_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32), server_default="confirmation")
    address: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8))
    confirm_url: Mapped[str] = mapped_column(String(2000))
    purposes: Mapped[list[str]] = mapped_column(JSON)
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """A campaign's test email (`kind` `campaign_test`): the campaign as the test renders it."""
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(500))
