"""chat message tree: alternatives (variant_of, selected) and indexes to walk the tree

Revision ID: 20261125_chat
Revises: 20261124_jobs
Create Date: 2026-11-25 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261125_chat"
down_revision: str | None = "20261124_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variant_of", sa.String(length=64), nullable=True))
        # Every existing message is the chosen one of its (single-member) alternatives.
        batch_op.add_column(sa.Column("selected", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_index(batch_op.f("ix_conversation_message_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_message_variant_of"), ["variant_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversation_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_message_variant_of"))
        batch_op.drop_index(batch_op.f("ix_conversation_message_parent_id"))
        batch_op.drop_column("selected")
        batch_op.drop_column("variant_of")
