"""keyed hashes of former addresses; emails with a link that a public page sent on request

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from consent_service.adapters.orm import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "former_addresses",
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("address_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject_id", "address_hash", name=op.f("pk_former_addresses")),
    )
    op.create_table(
        "link_emails",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("requested_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_emails")),
    )
    op.create_index(op.f("ix_link_emails_subject_id"), "link_emails", ["subject_id"], unique=False)
    op.create_index(
        op.f("ix_link_emails_requested_at"), "link_emails", ["requested_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_link_emails_requested_at"), table_name="link_emails")
    op.drop_index(op.f("ix_link_emails_subject_id"), table_name="link_emails")
    op.drop_table("link_emails")
    op.drop_table("former_addresses")
