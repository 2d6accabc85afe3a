"""Install the shop's privacy policy of 2026-11-01 as the first policy version.

The Kyrgyz text is the shop's own; the Russian and English texts render it faithfully.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSION = "2026-11-01"
TEXTS = Path(__file__).resolve().parents[3] / "policy_texts" / VERSION
EFFECTIVE_AT = datetime(2026, 11, 1, tzinfo=UTC)


def upgrade() -> None:
    policies = sa.table(
        "policies",
        sa.column("version", sa.String),
        sa.column("effective_at", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    documents = sa.table(
        "policy_documents",
        sa.column("version", sa.String),
        sa.column("locale", sa.String),
        sa.column("text", sa.Text),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    stamp = EFFECTIVE_AT.replace(tzinfo=None) if sqlite else EFFECTIVE_AT
    op.bulk_insert(policies, [{"version": VERSION, "effective_at": stamp, "created_at": stamp}])
    op.bulk_insert(
        documents,
        [
            {"version": VERSION, "locale": locale, "text": (TEXTS / f"{locale}.txt").read_text()}
            for locale in ("ky", "ru", "en")
        ],
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM policy_documents WHERE version = :v").bindparams(v=VERSION))
    op.execute(sa.text("DELETE FROM policies WHERE version = :v").bindparams(v=VERSION))
