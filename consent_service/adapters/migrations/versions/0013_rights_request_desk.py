"""rights_requests on the legal clock: due day, outcome, refusal reason, a contact address
kept while open, and requests from someone the registry does not know (decision 0043)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Requests recorded before: due a week after the day (Bishkek time) they were received;
# those done were fulfilled, as erasure was their only kind.
# SQLite keeps naive UTC; Asia/Bishkek has been UTC+6 all year since 2005.
DUE = {
    "postgresql": "CAST((requested_at AT TIME ZONE 'Asia/Bishkek') AS DATE) + 7",
    "sqlite": "date(requested_at, '+6 hours', '+7 days')",
}


def upgrade() -> None:
    with op.batch_alter_table("rights_requests") as batch:
        batch.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("contact_address", sa.String(length=320), nullable=True))
        batch.alter_column("subject_id", existing_type=sa.Uuid(), nullable=True)
    dialect = op.get_bind().dialect.name
    op.execute(f"UPDATE rights_requests SET due_on = {DUE[dialect]}")  # noqa: S608 - constants
    op.execute(
        "UPDATE rights_requests SET status = 'closed', outcome = 'fulfilled' "
        "WHERE completed_at IS NOT NULL"
    )
    with op.batch_alter_table("rights_requests") as batch:
        batch.alter_column("due_on", existing_type=sa.Date(), nullable=False)
    op.create_index(
        "ix_rights_requests_due", "rights_requests", ["completed_at", "due_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_rights_requests_due", table_name="rights_requests")
    op.execute("DELETE FROM rights_requests WHERE subject_id IS NULL")
    op.execute("UPDATE rights_requests SET status = 'completed' WHERE status = 'closed'")
    with op.batch_alter_table("rights_requests") as batch:
        batch.alter_column("subject_id", existing_type=sa.Uuid(), nullable=False)
        batch.drop_column("contact_address")
        batch.drop_column("reason")
        batch.drop_column("outcome")
        batch.drop_column("due_on")
