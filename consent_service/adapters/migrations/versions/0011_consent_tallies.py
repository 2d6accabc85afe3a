"""running consent counts for the console's overview, filled from the consents and ledger

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Counts as they stand, in slot 0: every current consent, and every person not erased.
FILL_COUNTS = (
    """
    INSERT INTO consent_counts (purpose, status, slot, people)
    SELECT purpose, status, 0, COUNT(*) FROM consents GROUP BY purpose, status
    """,
    """
    INSERT INTO consent_counts (purpose, status, slot, people)
    SELECT '*', 'subjects', 0, COUNT(*) FROM subjects WHERE erased_at IS NULL
    """,
)
# Every day the ledger has seen, in Bishkek time (domain/tallies.py says what counts).
# SQLite keeps naive UTC; Asia/Bishkek has been UTC+6 all year since 2005.
LOCAL_DAY = {
    "postgresql": "CAST(recorded_at AT TIME ZONE 'Asia/Bishkek' AS DATE)",
    "sqlite": "date(recorded_at, '+6 hours')",
}
FILL_DAYS = """
    INSERT INTO consent_days (day, purpose, slot, grants, withdrawals)
    SELECT day, purpose, 0, SUM(grant_), SUM(withdrawal) FROM (
        SELECT {day} AS day, purpose,
               CASE WHEN status = 'granted' THEN 1 ELSE 0 END AS grant_,
               CASE WHEN status = 'withdrawn' AND previous_status = 'granted'
                    THEN 1 ELSE 0 END AS withdrawal
        FROM consent_ledger
        WHERE purpose IS NOT NULL AND status IS NOT NULL
    ) AS moves
    GROUP BY day, purpose
    HAVING SUM(grant_) > 0 OR SUM(withdrawal) > 0
"""


def upgrade() -> None:
    op.create_table(
        "consent_counts",
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("purpose", "status", "slot", name=op.f("pk_consent_counts")),
    )
    op.create_table(
        "consent_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("grants", sa.BigInteger(), nullable=False),
        sa.Column("withdrawals", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "purpose", "slot", name=op.f("pk_consent_days")),
    )
    op.create_index(
        "ix_rights_requests_open",
        "rights_requests",
        ["completed_at", "requested_at"],
        unique=False,
    )
    dialect = op.get_bind().dialect.name
    for statement in FILL_COUNTS:
        op.execute(statement)
    op.execute(FILL_DAYS.format(day=LOCAL_DAY[dialect]))


def downgrade() -> None:
    op.drop_index("ix_rights_requests_open", table_name="rights_requests")
    op.drop_table("consent_days")
    op.drop_table("consent_counts")
