"""campaign runs: runs, campaign states, the batch work queue, the send ledger, confirmations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mailer.adapters.orm import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mailer_runs",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("default_locale", sa.String(length=8), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("skipped_withdrawn", sa.Integer(), nullable=False),
        sa.Column("skipped_capped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("unknown", sa.Integer(), nullable=False),
        sa.Column("batches_total", sa.Integer(), nullable=False),
        sa.Column("batches_open", sa.Integer(), nullable=False),
        sa.Column("report_sequence", sa.Integer(), nullable=False),
        sa.Column("reported_sequence", sa.Integer(), nullable=False),
        sa.Column("reported_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("started_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_mailer_runs")),
    )
    op.create_index(op.f("ix_mailer_runs_campaign_id"), "mailer_runs", ["campaign_id"])
    op.create_index(op.f("ix_mailer_runs_status"), "mailer_runs", ["status"])
    op.create_table(
        "mailer_campaigns",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_mailer_campaigns")),
    )
    op.create_table(
        "mailer_batches",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("batch_no", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("lease_until", UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("checked_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["mailer_runs.run_id"],
            name=op.f("fk_mailer_batches_run_id_mailer_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "batch_no", name=op.f("pk_mailer_batches")),
    )
    op.create_table(
        "mailer_deliveries",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("batch_no", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("claimed_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["mailer_runs.run_id"],
            name=op.f("fk_mailer_deliveries_run_id_mailer_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "subject_id", name=op.f("pk_mailer_deliveries")),
    )
    op.create_index("ix_mailer_deliveries_batch", "mailer_deliveries", ["run_id", "batch_no"])
    op.create_index("ix_mailer_deliveries_cap", "mailer_deliveries", ["subject_id", "claimed_at"])
    op.create_table(
        "mailer_confirmations",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("confirm_url", sa.String(length=2000), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_mailer_confirmations")),
    )
    op.create_index(
        op.f("ix_mailer_confirmations_subject_id"), "mailer_confirmations", ["subject_id"]
    )
    op.create_index(
        "ix_mailer_confirmations_queue", "mailer_confirmations", ["state", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("mailer_confirmations")
    op.drop_table("mailer_deliveries")
    op.drop_table("mailer_batches")
    op.drop_table("mailer_campaigns")
    op.drop_table("mailer_runs")
