"""ORM rows of the story: one source of truth per scene.

A story is a tree of nodes. Segment nodes come from the source text, in order (each is the child of the
previous one: the book's own line); generated nodes hang under the node whose choice produced them. What the
player has seen is the *reveal order*: every node revealed on the current path gets the next `reveal_seq`,
so the current node is simply the revealed node with the highest `reveal_seq`. A rewind un-reveals the
source nodes after the target and marks the generated ones `abandoned` (kept, shown as an abandoned branch);
nothing is deleted. Choices remember the node they led to (`next_node_id`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sceneintruder.core.clock import utcnow
from sceneintruder.db.base import Base

_SCENE_FK = "scene.id"


class Story(Base):
    __tablename__ = "story"

    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), primary_key=True)
    intro: Mapped[str] = mapped_column(Text, default="")
    main_objective: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    current_state: Mapped[str] = mapped_column(String(32), default="")
    reveal_counter: Mapped[int] = mapped_column(Integer, default=0)  # last reveal_seq handed out
    rolling_summary: Mapped[str] = mapped_column(Text, default="")  # what has happened, for bounded prompts
    init_job_id: Mapped[str | None] = mapped_column(String(64))
    init_status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|building|ready|failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(default=utcnow)


class StoryNode(Base):
    __tablename__ = "story_node"
    __table_args__ = (
        Index("ix_story_node_scene_position", "scene_id", "position"),
        Index("ix_story_node_scene_reveal_seq", "scene_id", "reveal_seq"),  # the current node, the path
        Index("ix_story_node_scene_segment_index", "scene_id", "segment_index"),  # the book's next passage, counts
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"))
    parent_id: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)  # creation order within the scene
    segment_index: Mapped[int | None] = mapped_column(Integer)  # set on nodes that are a source passage
    covers_segment: Mapped[int | None] = mapped_column(Integer)  # a written node that told that source passage
    type: Mapped[str] = mapped_column(String(32), default="main")
    content: Mapped[str] = mapped_column(Text, default="")
    original_content: Mapped[str] = mapped_column(Text, default="")
    content_source: Mapped[str] = mapped_column(String(16), default="template")  # template|llm|player
    source: Mapped[str] = mapped_column(String(20), default="SYSTEM")  # SYSTEM|GENERATED|EXPLORATION|...
    reveal_seq: Mapped[int | None] = mapped_column(Integer)  # None: not revealed on the current path
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)  # on a branch a rewind left
    related_item_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revealed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoryChoice(Base):
    __tablename__ = "story_choice"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    node_id: Mapped[str] = mapped_column(ForeignKey("story_node.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    # Never loaded nor set (`raise` if read; no cascade): it only tells the unit of work that a node is inserted
    # before its choices, so a new node and its choices can be written by one flush.
    node: Mapped[StoryNode] = relationship(lazy="raise", cascade="")
    consequence: Mapped[str] = mapped_column(Text, default="")
    next_node_hint: Mapped[str] = mapped_column(Text, default="")
    next_node_id: Mapped[str | None] = mapped_column(String(64))
    selected: Mapped[bool] = mapped_column(Boolean, default=False)
    selected_at: Mapped[datetime | None]
    type: Mapped[str] = mapped_column(String(32), default="action")
    impact: Mapped[float] = mapped_column(Float, default=0.0)
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="system")  # system|llm|command
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoryTask(Base):
    __tablename__ = "story_task"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    reward: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(20), default="main")
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    status: Mapped[str] = mapped_column(String(20), default="active")  # active|completed
    is_revealed: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(20), default="SYSTEM")
    completed_at: Mapped[datetime | None]
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoryObjective(Base):
    __tablename__ = "story_objective"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("story_task.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[datetime | None]


class StoryLocation(Base):
    __tablename__ = "story_location"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_item: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(20), default="SYSTEM")
    explored_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
