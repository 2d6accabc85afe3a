"""campaigns:send: keys that could start runs keep that right; drafts, retries and test sends

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-12

Before this release `campaigns:write` also started and scheduled runs. That part is now the
scope `campaigns:send` (SPEC section 9, decision 0030); every key that held `campaigns:write`
is given it, so integrations keep working. A draft may have no schedule yet, a run may be the
retry of another (once), and test sends are counted for their hourly limit.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from consent_service.adapters.orm import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WRITE, SEND = "campaigns:write", "campaigns:send"

_keys = sa.table("api_keys", sa.column("id", sa.String), sa.column("scopes", sa.JSON))


def _rescope(change: Callable[[list[str]], list[str]]) -> None:
    connection = op.get_bind()
    for key_id, scopes in connection.execute(sa.select(_keys.c.id, _keys.c.scopes)).all():
        changed = change(list(scopes))
        if changed != list(scopes):
            connection.execute(sa.update(_keys).where(_keys.c.id == key_id).values(scopes=changed))


def _grant_send(scopes: list[str]) -> list[str]:
    return [*scopes, SEND] if WRITE in scopes and SEND not in scopes else scopes


def _withdraw_send(scopes: list[str]) -> list[str]:
    return [scope for scope in scopes if scope != SEND]


def upgrade() -> None:
    _rescope(_grant_send)
    with op.batch_alter_table("campaigns") as batch:
        batch.alter_column("schedule", existing_type=sa.JSON(), nullable=True)
    with op.batch_alter_table("campaign_runs") as batch:
        batch.add_column(sa.Column("retry_of", sa.Uuid(), nullable=True))
        batch.create_unique_constraint(op.f("uq_campaign_runs_retry_of"), ["retry_of"])
        batch.create_foreign_key(
            op.f("fk_campaign_runs_retry_of_campaign_runs"), "campaign_runs", ["retry_of"], ["id"]
        )
    op.create_table(
        "campaign_test_sends",
        sa.Column("id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_test_sends_campaign_id_campaigns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_test_sends")),
    )
    op.create_index(
        "ix_campaign_test_sends_campaign_actor", "campaign_test_sends", ["campaign_id", "actor"]
    )


def downgrade() -> None:
    op.drop_index("ix_campaign_test_sends_campaign_actor", table_name="campaign_test_sends")
    op.drop_table("campaign_test_sends")
    with op.batch_alter_table("campaign_runs") as batch:
        batch.drop_constraint(op.f("fk_campaign_runs_retry_of_campaign_runs"), type_="foreignkey")
        batch.drop_constraint(op.f("uq_campaign_runs_retry_of"), type_="unique")
        batch.drop_column("retry_of")
    # A draft without a schedule cannot be kept by the older schema: drafts end as cancelled.
    op.execute("UPDATE campaigns SET schedule = '{}', status = 'cancelled' WHERE schedule IS NULL")
    op.execute("UPDATE campaigns SET status = 'paused' WHERE status = 'draft'")
    with op.batch_alter_table("campaigns") as batch:
        batch.alter_column("schedule", existing_type=sa.JSON(), nullable=False)
    _rescope(_withdraw_send)
