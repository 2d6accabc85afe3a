"""email layouts, and the layout each campaign is sent inside

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from consent_service.adapters.orm import UtcDateTime

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "layouts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_layouts")),
    )
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("layout_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_campaigns_layout_id_layouts"), "layouts", ["layout_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_constraint(op.f("fk_campaigns_layout_id_layouts"), type_="foreignkey")
        batch.drop_column("layout_id")
    op.drop_table("layouts")
