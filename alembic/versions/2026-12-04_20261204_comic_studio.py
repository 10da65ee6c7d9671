"""comic: the studio's workspace, storyboard, prompts, key elements, references and images

Revision ID: 20261204_comic
Revises: 20261204_story_covers
Create Date: 2026-12-04 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sceneintruder.db.base import UTCDateTime

revision: str = "20261204_comic"
down_revision: str | None = "20261204_story_covers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _scene_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["scene_id"], ["scene.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "comic_workspace",
        sa.Column("scene_id", sa.String(64), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=True),
        sa.Column("job_kind", sa.String(32), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        _scene_fk(),
        sa.PrimaryKeyConstraint("scene_id"),
    )
    op.create_table(
        "comic_breakdown",
        sa.Column("scene_id", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("target_frames", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("node_id", sa.String(64), nullable=True),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("generated_at", UTCDateTime(timezone=True), nullable=False),
        _scene_fk(),
        sa.PrimaryKeyConstraint("scene_id"),
    )
    op.create_table(
        "comic_frame",
        sa.Column("scene_id", sa.String(64), nullable=False),
        sa.Column("frame_id", sa.String(64), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("story_node_ids", sa.JSON(), nullable=False),
        sa.Column("staging", sa.JSON(), nullable=False),
        _scene_fk(),
        sa.PrimaryKeyConstraint("scene_id", "frame_id"),
    )
    op.create_table(
        "comic_prompt",
        sa.Column("scene_id", sa.String(64), nullable=False),
        sa.Column("frame_id", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        _scene_fk(),
        sa.PrimaryKeyConstraint("scene_id", "frame_id"),
    )
    op.create_table(
        "comic_key_elements",
        sa.Column("scene_id", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        _scene_fk(),
        sa.PrimaryKeyConstraint("scene_id"),
    )
    op.create_table(
        "comic_reference",
        sa.Column("scene_id", sa.String(64), nullable=False),
        sa.Column("element_id", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(96), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(timezone=True), nullable=False),
        _scene_fk(),
        sa.PrimaryKeyConstraint("scene_id", "element_id"),
    )
    op.create_table(
        "comic_image",
        sa.Column("scene_id", sa.String(64), nullable=False),
        sa.Column("frame_id", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(96), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("generated_at", UTCDateTime(timezone=True), nullable=False),
        _scene_fk(),
        sa.PrimaryKeyConstraint("scene_id", "frame_id"),
    )


def downgrade() -> None:
    for table in (
        "comic_image",
        "comic_reference",
        "comic_key_elements",
        "comic_prompt",
        "comic_frame",
        "comic_breakdown",
        "comic_workspace",
    ):
        op.drop_table(table)
