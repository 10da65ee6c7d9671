"""ORM rows of the writing assistant: a script (a novel or screenplay project) owned by its user, and what it holds.

- `Script`: the project (title, type, framework, the active draft and cursor), with a `revision` bumped by every
  write (what per-revision caches key on).
- `ScriptDraft`: immutable draft versions (`content.chapters[].scenes[]`); rewinding only moves the pointer.
- `ScriptChapter`: the outline of one chapter (title, summary, beats) and its current prose (`user_draft`);
  `ScriptProse` keeps every version of that prose: the writer's, and each command's beside it.
- `ScriptSummary`: one summary per chapter; `ScriptMemory`: the book's memory (facts, open threads,
  foreshadowing with its planted chapter and payoff, character state per chapter), searched by full text
  (`search.py`); `ScriptWorkflow`: the history of commands and edits; `ScriptRoster`: the free-form characters
  and items lists; `ScriptOutlineRun`: the checkpoint of an outline job (which chapters its batches wrote).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sceneintruder.core.clock import utcnow
from sceneintruder.db.base import Base
from sceneintruder.db.ownership import OwnedMixin

_SCRIPT_FK = "script.id"


class Script(OwnedMixin, Base):
    __tablename__ = "script"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32), default="novel")
    framework: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    recommended_commands: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active_draft_id: Mapped[str | None] = mapped_column(String(64), default=None)
    cursor: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[str | None] = mapped_column(String(64), default=None)  # the outline job running (or last)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScriptDraft(Base):
    __tablename__ = "script_draft"
    __table_args__ = (Index("ix_script_draft_script_seq", "script_id", "seq"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    script_id: Mapped[str] = mapped_column(ForeignKey(_SCRIPT_FK, ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    notes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(32), default="manual_edit")  # generate|command|manual_edit
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScriptChapter(Base):
    __tablename__ = "script_chapter"

    script_id: Mapped[str] = mapped_column(ForeignKey(_SCRIPT_FK, ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    outline: Mapped[str] = mapped_column(Text, default="")
    user_draft: Mapped[str] = mapped_column(Text, default="")
    outline_run: Mapped[str] = mapped_column(String(64), default="")  # the outline run that wrote it
    outline_provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScriptProse(Base):
    """One version of a chapter's prose. Appended, never updated: the writer's words stay recoverable."""

    __tablename__ = "script_prose"
    __table_args__ = (Index("ix_script_prose_chapter", "script_id", "chapter", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    script_id: Mapped[str] = mapped_column(ForeignKey(_SCRIPT_FK, ondelete="CASCADE"))
    chapter: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))  # writer | command | generate
    workflow_id: Mapped[str | None] = mapped_column(String(64), default=None)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScriptSummary(Base):
    __tablename__ = "script_summary"

    script_id: Mapped[str] = mapped_column(ForeignKey(_SCRIPT_FK, ondelete="CASCADE"), primary_key=True)
    chapter: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    conflict_state: Mapped[str] = mapped_column(Text, default="")
    next_options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16), default="extractive")  # model | extractive
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScriptMemory(Base):
    """One memory entry. `kind`: fact | thread | foreshadowing | character_state. Threads are `open` until
    resolved (`closed`, `resolved_chapter`); foreshadowing is `planned` until paid off (`paid`), expected by
    `payoff_by`; a character state is one character's attributes as of `chapter`. `terms` is what full-text search
    indexes (`search.py`)."""

    __tablename__ = "script_memory"
    __table_args__ = (Index("ix_script_memory_kind", "script_id", "kind", "seq"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    script_id: Mapped[str] = mapped_column(ForeignKey(_SCRIPT_FK, ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="")
    chapter: Mapped[int] = mapped_column(Integer, default=0)
    payoff_by: Mapped[int | None] = mapped_column(Integer, default=None)
    resolved_chapter: Mapped[int | None] = mapped_column(Integer, default=None)
    character: Mapped[str] = mapped_column(String(200), default="")
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # tags, confidence, a state's key/values
    terms: Mapped[str] = mapped_column(Text, default="")
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScriptWorkflow(Base):
    __tablename__ = "script_workflow"
    __table_args__ = (Index("ix_script_workflow_script_seq", "script_id", "seq"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    script_id: Mapped[str] = mapped_column(ForeignKey(_SCRIPT_FK, ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))  # command | manual_edit | fill_outline | generate
    draft_id: Mapped[str | None] = mapped_column(String(64), default=None)
    refs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    assist_mode: Mapped[str] = mapped_column(String(32), default="")
    user_input: Mapped[str] = mapped_column(Text, default="")
    command: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    output: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScriptRoster(Base):
    """The free-form `characters` or `items` list of a script (the reference's characters.json / items.json)."""

    __tablename__ = "script_roster"

    script_id: Mapped[str] = mapped_column(ForeignKey(_SCRIPT_FK, ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # characters | items
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class ScriptOutlineRun(Base):
    """The checkpoint of an outline run: the chapters it covers, where it stopped, how it went. A run cut by a
    restart or a vendor failure continues from `next_chapter` (chapters it already wrote carry its `run_id`)."""

    __tablename__ = "script_outline_run"

    script_id: Mapped[str] = mapped_column(ForeignKey(_SCRIPT_FK, ondelete="CASCADE"), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))  # generate | fill
    first_chapter: Mapped[int] = mapped_column(Integer, default=1)
    last_chapter: Mapped[int] = mapped_column(Integer)
    next_chapter: Mapped[int] = mapped_column(Integer)
    batch_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | stopped | done
    batches: Mapped[int] = mapped_column(Integer, default=0)
    salvaged: Mapped[int] = mapped_column(
        Integer, default=0
    )  # replies cut off mid-way whose finished chapters were read
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    job_id: Mapped[str | None] = mapped_column(String(64), default=None)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
