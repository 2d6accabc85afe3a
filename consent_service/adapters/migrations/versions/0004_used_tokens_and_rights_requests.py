"""used single-use link tokens; requests people make about their data

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from consent_service.adapters.orm import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "used_link_tokens",
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("intent", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("used_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_used_link_tokens")),
    )
    op.create_index(
        op.f("ix_used_link_tokens_subject_id"), "used_link_tokens", ["subject_id"], unique=False
    )
    op.create_index(
        op.f("ix_used_link_tokens_expires_at"), "used_link_tokens", ["expires_at"], unique=False
    )
    op.create_table(
        "rights_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_requests")),
    )
    op.create_index(
        op.f("ix_rights_requests_subject_id"), "rights_requests", ["subject_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("rights_requests")
    op.drop_table("used_link_tokens")
