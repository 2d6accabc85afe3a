"""An index on subjects.external_id: the console finds a person by the shop's customer number,
and a campaign preview picks its sample person by it; without the index each lookup read every
subject, a sequential scan of a million rows at the scale SPEC section 11 aims for.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # With the id after it, the lookup's `ORDER BY id LIMIT n` is read from the index alone.
    op.create_index(op.f("ix_subjects_external_id"), "subjects", ["external_id", "id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_subjects_external_id"), table_name="subjects")
