"""video: the studio's state (timeline, meta) and its clips, scoped to a timeline version

Revision ID: 20261204_video
Revises: 20261204_comic
Create Date: 2026-12-04 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sceneintruder.db.base import UTCDateTime

revision: str = "20261204_video"
down_revision: str | None = "20261204_comic"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "video_state",
        sa.Column("scene_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("timeline", sa.JSON(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["scene_id"], ["scene.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("scene_id"),
    )
    op.create_table(
        "video_clip",
        sa.Column("scene_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("frame_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_status", sa.String(32), nullable=False),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("narration_file", sa.String(96), nullable=True),
        sa.Column("narration_seconds", sa.Float(), nullable=False),
        sa.Column("file_name", sa.String(96), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("elapsed_ms", sa.Float(), nullable=False),
        sa.Column("generated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["scene_id"], ["scene.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("scene_id", "version", "frame_id"),
    )


def downgrade() -> None:
    op.drop_table("video_clip")
    op.drop_table("video_state")
