"""The registry's tables as SQLAlchemy 2 typed models; one schema for SQLite and PostgreSQL.

Alembic migrations under `migrations/` create these tables; a test checks the two agree.
"""

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.sqltypes import NAMING, UtcDateTime

__all__ = ["Base", "UtcDateTime"]


# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a real BIGINT.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON(), uuid.UUID: Uuid()}

    if TYPE_CHECKING:
        # Every model names a `__tablename__`, so each is mapped to a `Table` (never a join or
        # a select): the stores build Core inserts and updates on `Model.__table__`.
        __table__: ClassVar[Table]


class Subject(Base):
    """A person. Contact data (email, name, external id) lives here and nowhere in the ledger."""

    __tablename__ = "subjects"
    __table_args__ = (Index("ix_subjects_external_id", "external_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254), unique=True)
    locale: Mapped[str] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=0)
    email_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]
    attributes: Mapped[dict[str, Any] | None] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql")
    )


class Consent(Base):
    """The current status of one purpose for one subject; the ledger holds how it got there."""

    __tablename__ = "consents"

    subject_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    policy_version: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class ConsentCount(Base):
    """How many people hold a purpose in a status: the sum of a key's slots.

    Each write adds to one slot picked at random, so concurrent writers of the same purpose
    rarely wait for each other's row lock; a read sums the few slots (domain/tallies.py).
    """

    __tablename__ = "consent_counts"

    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    people: Mapped[int] = mapped_column(BigInteger)


class ConsentDay(Base):
    """Sign-ups and withdrawals of a purpose on a day (Bishkek time), in slots as above."""

    __tablename__ = "consent_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    grants: Mapped[int] = mapped_column(BigInteger)
    withdrawals: Mapped[int] = mapped_column(BigInteger)


class LedgerEntry(Base):
    """Append-only proof of every change, hash-chained per subject (domain/ledger.py)."""

    __tablename__ = "consent_ledger"
    __table_args__ = (UniqueConstraint("subject_id", "seq", name="uq_consent_ledger_subject_seq"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    subject_id: Mapped[uuid.UUID]
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str | None] = mapped_column(String(32))
    previous_status: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime]
    evidence: Mapped[dict[str, Any] | None]
    evidence_nonce: Mapped[str | None] = mapped_column(String(64))
    evidence_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LedgerCheckpoint(Base):
    """A sealed digest of a range of the ledger: catches a chain rewritten end to end."""

    __tablename__ = "consent_ledger_checkpoints"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]
    first_entry_id: Mapped[int] = mapped_column(BigInteger)
    last_entry_id: Mapped[int] = mapped_column(BigInteger)
    entry_count: Mapped[int] = mapped_column(Integer)
    range_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    seal: Mapped[str] = mapped_column(String(64))


class AuditVerification(Base):
    """The outcome of one verification of the whole ledger, by `consent audit verify` or the
    console's "verify now": what was counted and what did not verify (decision 0045)."""

    __tablename__ = "audit_verifications"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    verified_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(BigInteger)
    subjects: Mapped[int] = mapped_column(BigInteger)
    checkpoints: Mapped[int] = mapped_column(Integer)
    problems: Mapped[int] = mapped_column(Integer)
    findings: Mapped[list[str]] = mapped_column(JSON)
    """The first findings as text (services/audit.py keeps at most KEPT_FINDINGS)."""


class OutboxMessage(Base):
    """A message written with the change it announces, published later by the relay."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    message_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    routing_key: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class IdempotentRequest(Base):
    """The answer given to a request with an Idempotency-Key, replayed for its retries."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("api_key_id", "key", name="uq_idempotency_keys_key"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    api_key_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]]
    subject_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    created_at: Mapped[datetime]


class ApiKey(Base):
    """A client of the API; only a hash of its secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Policy(Base):
    __tablename__ = "policies"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    effective_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]
    published_by: Mapped[str | None] = mapped_column(String(64))
    """`console:<user id>` or an API key's id, as the ledger names actors; NULL before 0014."""


class PolicyDocument(Base):
    __tablename__ = "policy_documents"

    version: Mapped[str] = mapped_column(
        ForeignKey("policies.version", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(8), primary_key=True)
    text: Mapped[str] = mapped_column(Text)


class Campaign(Base):
    """Email of one purpose, content per locale, sent on a schedule (domain/campaigns.py)."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_due", "status", "next_run_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(32))
    content: Mapped[dict[str, Any]]
    schedule: Mapped[dict[str, Any] | None]
    """None: a draft nobody gave a schedule yet."""
    default_locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    next_run_at: Mapped[datetime | None]
    control_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    layout_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("layouts.id"))
    """The layout its emails are sent inside; none means the default (brand settings)."""


class Layout(Base):
    """An email layout: header and footer values per locale (domain/layouts.py)."""

    __tablename__ = "layouts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    versions: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CampaignRun(Base):
    """One sending of a campaign; at most one per scheduled occurrence (the unique key)."""

    __tablename__ = "campaign_runs"
    __table_args__ = (
        UniqueConstraint(
            "campaign_id", "scheduled_for", name="uq_campaign_runs_campaign_scheduled_for"
        ),
        Index("ix_campaign_runs_campaign_created", "campaign_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id"))
    trigger: Mapped[str] = mapped_column(String(16))
    scheduled_for: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    skipped_withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    skipped_capped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    unknown: Mapped[int] = mapped_column(Integer, default=0)
    by_locale: Mapped[dict[str, Any] | None]
    """The counts per locale of the newest report, exact ({locale: {count: n}}); null until a
    mailer reports them (`mailer.run_report/2`)."""
    report_sequence: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    retry_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("campaign_runs.id"), unique=True)
    """The run whose failed recipients this run sends to again; a run is retried once."""


class CampaignTestSend(Base):
    """One test send of a campaign, by whom: what the hourly limit of test sends counts."""

    __tablename__ = "campaign_test_sends"
    __table_args__ = (Index("ix_campaign_test_sends_campaign_actor", "campaign_id", "actor"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id"))
    actor: Mapped[str] = mapped_column(String(100))
    recipients: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime]


class UsedLinkToken(Base):
    """A single-use link token that was used (a double opt-in link), by its SHA-256 digest.

    The primary key makes "use once" hold under concurrent clicks; rows are kept until the
    token would have expired anyway, then purged.
    """

    __tablename__ = "used_link_tokens"

    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    intent: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[uuid.UUID] = mapped_column(index=True)
    used_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class RightsRequest(Base):
    """A request a person made about their data (erasure, ...) and what became of it.

    Kept as the record that a request was received and answered in time. It names the person
    by subject id (which erasure leaves as a pseudonym); only a request from someone the
    registry does not know keeps an address, and only while it is open (decision 0043).
    """

    __tablename__ = "rights_requests"
    __table_args__ = (
        Index("ix_rights_requests_open", "completed_at", "requested_at"),
        Index("ix_rights_requests_due", "completed_at", "due_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    due_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    contact_address: Mapped[str | None] = mapped_column(String(320))


class Suppression(Base):
    """An address that must not come back by itself: an HMAC of it and why (no address)."""

    __tablename__ = "suppressions"
    # The console counts the list by reason from this index alone (decision 0045).
    __table_args__ = (Index("ix_suppressions_reason", "reason"),)

    address_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime]


class FormerAddress(Base):
    """A keyed hash of an address a subject had before a rectification (no address).

    Kept so that erasure can put every address the person ever had on the suppression list,
    not only the last one; erasure moves the hashes there and deletes these rows.
    """

    __tablename__ = "former_addresses"

    subject_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    address_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    created_at: Mapped[datetime]


class LinkEmail(Base):
    """An email with a fresh link that a person asked for on a public page, counted per
    person to cap them (a new confirmation link, a preference-centre link). Rows older
    than a day are pruned when a new one is written."""

    __tablename__ = "link_emails"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(index=True)


class WebhookEvent(Base):
    """A SendGrid event already applied, by its `sg_event_id`: SendGrid retries deliveries."""

    __tablename__ = "webhook_events"

    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class TransferRecipient(Base):
    """A third party an admin registered to receive exports directly (portability)."""

    __tablename__ = "transfer_recipients"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Transfer(Base):
    """One direct transfer of a person's export to a recipient, retried until it is done."""

    __tablename__ = "transfers"
    __table_args__ = (Index("ix_transfers_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(index=True)
    recipient: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    requested_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class SignupForm(Base):
    """A public sign-up form an admin defined: what it offers and where it may be embedded."""

    __tablename__ = "forms"

    form_id: Mapped[str] = mapped_column(String(50), primary_key=True)
    purposes: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(32))
    allowed_origins: Mapped[list[str]] = mapped_column(JSON)
    success_url: Mapped[str | None] = mapped_column(String(2000))
    default_locale: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class StaffUser(Base):
    """A member of the shop's staff who works in the console (SPEC section 9, decision 0028).

    Someone with a password has an `email_key` (their address casefolded), unique among those
    who sign in with one; someone who signs in through the identity provider is found by
    issuer and `sub` instead, and their address is only shown (a provider may give it to
    someone else later). Nobody is deleted: a person who leaves is disabled.
    """

    __tablename__ = "staff_users"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean)
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    """The time step of the last code accepted: a code of that step or earlier is refused."""
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class StaffSession(Base):
    """A signed-in console session, found by the SHA-256 of the id in the person's cookie."""

    __tablename__ = "staff_sessions"

    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(String(16))
    signed_in_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime]
    second_factor_at: Mapped[datetime | None]
    pending_totp_secret: Mapped[str | None] = mapped_column(String(64))
    """A secret being enrolled: shown to the person, kept until they type a code made from it."""


class LoginFailure(Base):
    """A refused console login: a keyed hash of the typed address, the client, the time.

    The throttle counts these (domain/staff/throttle.py); rows older than its window are
    deleted as new ones come. The address is whatever was typed, maybe someone else's
    mistyped, so only its keyed hash is kept.
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    address_hash: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(index=True)


class ConsoleAuditEntry(Base):
    """Who did what in the console, when, and from where: append-only.

    The code has no way to change or remove a row, and on both databases a trigger refuses
    UPDATE and DELETE (migration 0008). `user_id` is empty for what the command line did.
    """

    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    client_address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]]


class ImportJob(Base):
    """An import started from the console and what it has done so far (decision 0046).

    Kept in the database so that whichever registry process answers shows it; the process
    that runs it moves `rows_read` and `updated_at` after every batch.
    """

    __tablename__ = "import_jobs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    started_by: Mapped[uuid.UUID | None]
    file_name: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    rows_total: Mapped[int] = mapped_column(Integer)
    rows_read: Mapped[int] = mapped_column(Integer)
    imported: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    subjects_created: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))


class ImportRejection(Base):
    """A row an import rejected: its line in the file and the codes of its reasons, nothing
    of the row itself."""

    __tablename__ = "import_rejections"

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    reasons: Mapped[str] = mapped_column(String(500))
