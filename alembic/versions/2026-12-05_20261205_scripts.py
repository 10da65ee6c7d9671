"""scripts: the writing assistant's projects, drafts, chapters and their prose versions, summaries, memory (with
full-text search), workflow history, rosters and outline checkpoints

Revision ID: 20261205_scripts
Revises: 20261204_video
Create Date: 2026-12-05 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sceneintruder.db.base import UTCDateTime

revision: str = "20261205_scripts"
down_revision: str | None = "20261204_video"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Full-text search over the memory's terms (scripts/search.py): FTS5 on SQLite, a GIN index on PostgreSQL.
FTS_SQLITE = (
    "CREATE VIRTUAL TABLE script_memory_fts USING fts5(terms, memory_id UNINDEXED, script_id UNINDEXED, "
    "tokenize = 'unicode61')"
)
FTS_POSTGRES = "CREATE INDEX ix_script_memory_terms_fts ON script_memory USING GIN (to_tsvector('simple', terms))"


def upgrade() -> None:
    op.create_table(
        "script",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("framework", sa.JSON(), nullable=True),
        sa.Column("recommended_commands", sa.JSON(), nullable=False),
        sa.Column("active_draft_id", sa.String(64), nullable=True),
        sa.Column("cursor", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_script_owner_id", "script", ["owner_id"], unique=False)
    op.create_table(
        "script_draft",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("script_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["script_id"], ["script.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_script_draft_script_seq", "script_draft", ["script_id", "seq"], unique=False)
    op.create_table(
        "script_chapter",
        sa.Column("script_id", sa.String(64), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outline", sa.Text(), nullable=False),
        sa.Column("user_draft", sa.Text(), nullable=False),
        sa.Column("outline_run", sa.String(64), nullable=False),
        sa.Column("outline_provenance", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["script_id"], ["script.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("script_id", "index"),
    )
    op.create_table(
        "script_prose",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("script_id", sa.String(64), nullable=False),
        sa.Column("chapter", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("workflow_id", sa.String(64), nullable=True),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["script_id"], ["script.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_script_prose_chapter", "script_prose", ["script_id", "chapter", "id"], unique=False)
    op.create_table(
        "script_summary",
        sa.Column("script_id", sa.String(64), nullable=False),
        sa.Column("chapter", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.String(64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("conflict_state", sa.Text(), nullable=False),
        sa.Column("next_options", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["script_id"], ["script.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("script_id", "chapter"),
    )
    op.create_table(
        "script_memory",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("script_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("chapter", sa.Integer(), nullable=False),
        sa.Column("payoff_by", sa.Integer(), nullable=True),
        sa.Column("resolved_chapter", sa.Integer(), nullable=True),
        sa.Column("character", sa.String(200), nullable=False),
        sa.Column("attrs", sa.JSON(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["script_id"], ["script.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_script_memory_kind", "script_memory", ["script_id", "kind", "seq"], unique=False)
    op.create_table(
        "script_workflow",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("script_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("draft_id", sa.String(64), nullable=True),
        sa.Column("refs", sa.JSON(), nullable=False),
        sa.Column("assist_mode", sa.String(32), nullable=False),
        sa.Column("user_input", sa.Text(), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("output", sa.JSON(), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["script_id"], ["script.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_script_workflow_script_seq", "script_workflow", ["script_id", "seq"], unique=False)
    op.create_table(
        "script_roster",
        sa.Column("script_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["script_id"], ["script.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("script_id", "kind"),
    )
    op.create_table(
        "script_outline_run",
        sa.Column("script_id", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("first_chapter", sa.Integer(), nullable=False),
        sa.Column("last_chapter", sa.Integer(), nullable=False),
        sa.Column("next_chapter", sa.Integer(), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.Column("salvaged", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=True),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["script_id"], ["script.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("script_id"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(FTS_SQLITE)
    else:
        op.execute(FTS_POSTGRES)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS script_memory_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_script_memory_terms_fts")
    for table in (
        "script_outline_run",
        "script_roster",
        "script_workflow",
        "script_memory",
        "script_summary",
        "script_prose",
        "script_chapter",
        "script_draft",
        "script",
    ):
        op.drop_table(table)
