"""story: nodes, choices, tasks with objectives, locations

One source of truth per scene (story.models): reveal order, the branch tree, abandoned branches.

Revision ID: 20261125_story
Revises: 20261125_chat
Create Date: 2026-11-25 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sceneintruder.db.base

revision: str = "20261125_story"
down_revision: str | None = "20261125_chat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "story",
        sa.Column("scene_id", sa.String(length=64), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("main_objective", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("current_state", sa.String(length=32), nullable=False),
        sa.Column("reveal_counter", sa.Integer(), nullable=False),
        sa.Column("rolling_summary", sa.Text(), nullable=False),
        sa.Column("init_job_id", sa.String(length=64), nullable=True),
        sa.Column("init_status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sceneintruder.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_updated", sceneintruder.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["scene_id"], ["scene.id"], name=op.f("fk_story_scene_id_scene"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("scene_id", name=op.f("pk_story")),
    )
    op.create_table(
        "story_location",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("scene_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("accessible", sa.Boolean(), nullable=False),
        sa.Column("requires_item", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("explored_at", sceneintruder.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", sceneintruder.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scene_id"], ["scene.id"], name=op.f("fk_story_location_scene_id_scene"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_location")),
    )
    with op.batch_alter_table("story_location", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_location_scene_id"), ["scene_id"], unique=False)

    op.create_table(
        "story_node",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("scene_id", sa.String(length=64), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("segment_index", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("original_content", sa.Text(), nullable=False),
        sa.Column("content_source", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("reveal_seq", sa.Integer(), nullable=True),
        sa.Column("abandoned", sa.Boolean(), nullable=False),
        sa.Column("related_item_ids", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sceneintruder.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revealed_at", sceneintruder.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sceneintruder.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scene_id"], ["scene.id"], name=op.f("fk_story_node_scene_id_scene"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_node")),
    )
    with op.batch_alter_table("story_node", schema=None) as batch_op:
        batch_op.create_index("ix_story_node_scene_position", ["scene_id", "position"], unique=False)
        batch_op.create_index("ix_story_node_scene_reveal_seq", ["scene_id", "reveal_seq"], unique=False)

    op.create_table(
        "story_task",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("scene_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reward", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("is_revealed", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("completed_at", sceneintruder.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sceneintruder.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scene_id"], ["scene.id"], name=op.f("fk_story_task_scene_id_scene"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_task")),
    )
    with op.batch_alter_table("story_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_task_scene_id"), ["scene_id"], unique=False)

    op.create_table(
        "story_choice",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("consequence", sa.Text(), nullable=False),
        sa.Column("next_node_hint", sa.Text(), nullable=False),
        sa.Column("next_node_id", sa.String(length=64), nullable=True),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("selected_at", sceneintruder.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("impact", sa.Float(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sceneintruder.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["node_id"], ["story_node.id"], name=op.f("fk_story_choice_node_id_story_node"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_choice")),
    )
    with op.batch_alter_table("story_choice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_choice_node_id"), ["node_id"], unique=False)

    op.create_table(
        "story_objective",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("completed_at", sceneintruder.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["story_task.id"], name=op.f("fk_story_objective_task_id_story_task"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_objective")),
    )
    with op.batch_alter_table("story_objective", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_objective_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("story_objective", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_objective_task_id"))

    op.drop_table("story_objective")
    with op.batch_alter_table("story_choice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_choice_node_id"))

    op.drop_table("story_choice")
    with op.batch_alter_table("story_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_task_scene_id"))

    op.drop_table("story_task")
    with op.batch_alter_table("story_node", schema=None) as batch_op:
        batch_op.drop_index("ix_story_node_scene_reveal_seq")
        batch_op.drop_index("ix_story_node_scene_position")

    op.drop_table("story_node")
    with op.batch_alter_table("story_location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_location_scene_id"))

    op.drop_table("story_location")
    op.drop_table("story")
