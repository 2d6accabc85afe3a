"""campaign_runs.by_locale: a run's counts per locale as the mailer reports them (decision 0035)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Null: no report per locale yet (a run reported by a mailer older than run_report/2).
    with op.batch_alter_table("campaign_runs") as batch:
        batch.add_column(sa.Column("by_locale", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_runs") as batch:
        batch.drop_column("by_locale")
