"""story: the source passage a written node told

An offline choice tells the book's next passage in its own node: `covers_segment` records which, so the story
moves on through the book (the next choice tells the passage after it) and progress counts it.

Revision ID: 20261204_story_covers
Revises: 20261204_jobs
Create Date: 2026-12-04 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_story_covers"
down_revision: str | None = "20261204_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("story_node", schema=None) as batch_op:
        batch_op.add_column(sa.Column("covers_segment", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("story_node", schema=None) as batch_op:
        batch_op.drop_column("covers_segment")
