"""mailer_deliveries.locale and mailer_run_locales: a run's counts per locale (decision 0035)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("recipients", "sent", "skipped_withdrawn", "skipped_capped", "failed", "unknown")


def upgrade() -> None:
    # Rows planned before this revision have no locale: they are counted in the run's totals
    # and in no locale, so such a run reports no breakdown (`by_locale` empty).
    with op.batch_alter_table("mailer_deliveries") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=8), nullable=True))
    op.create_table(
        "mailer_run_locales",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["mailer_runs.run_id"],
            name=op.f("fk_mailer_run_locales_run_id_mailer_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "locale", name=op.f("pk_mailer_run_locales")),
    )


def downgrade() -> None:
    op.drop_table("mailer_run_locales")
    with op.batch_alter_table("mailer_deliveries") as batch:
        batch.drop_column("locale")
