"""public sign-up forms

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from consent_service.adapters.orm import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forms",
        sa.Column("form_id", sa.String(length=50), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("allowed_origins", sa.JSON(), nullable=False),
        sa.Column("success_url", sa.String(length=2000), nullable=True),
        sa.Column("default_locale", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("form_id", name=op.f("pk_forms")),
    )


def downgrade() -> None:
    op.drop_table("forms")
