"""story_node (scene_id, segment_index): the book's next passage, and the counts progress is made of, found
through an index rather than by reading every node of the scene

A story move reads the book's next passage (the first untold passage after the path's last told one) and the
book's passage count; without this index both read every node of the scene: 0.18 ms each on a book of 1,100
nodes, 0.01 and 0.06 ms with it (SQLite, warm).

Revision ID: 20261205_story_segment_index
Revises: 20261205_ledger_estimates
Create Date: 2026-12-05 15:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261205_story_segment_index"
down_revision: str | None = "20261205_ledger_estimates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_story_node_scene_segment_index", "story_node", ["scene_id", "segment_index"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_story_node_scene_segment_index", table_name="story_node")
