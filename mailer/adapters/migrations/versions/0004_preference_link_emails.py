"""mailer_confirmations.kind: the queue also carries preference-centre link emails

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mailer_confirmations") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=32), server_default="confirmation", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("mailer_confirmations") as batch:
        batch.drop_column("kind")
