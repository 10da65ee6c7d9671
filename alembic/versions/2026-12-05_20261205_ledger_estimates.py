"""settings_llm_call.tokens_estimated: a ledger row whose token counts are an estimate (a stream whose server
sent no usage), so totals can say how many of their tokens were counted by a server

Revision ID: 20261205_ledger_estimates
Revises: 20261205_scripts
Create Date: 2026-12-05 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_ledger_estimates"
down_revision: str | None = "20261205_scripts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("settings_llm_call") as batch:
        batch.add_column(sa.Column("tokens_estimated", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("settings_llm_call") as batch:
        batch.drop_column("tokens_estimated")
