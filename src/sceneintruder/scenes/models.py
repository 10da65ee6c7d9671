"""ORM rows of the scenes domain: a scene, its source text and segments, characters, items, and the message log.

The source text lives in its own table so listing scenes never loads a novel. Conversation messages are one row
each (appending is one INSERT); `seq` orders them. The log is a tree: `parent_id` is the message a message
follows, `variant_of` ties alternatives (swipes, edits) to the first of them, `selected` says which one of
its alternatives is chosen, and `active` marks the messages on the active path (selected, under an active
parent), so nothing is ever overwritten and reading the active path stays one indexed scan. `hidden` lets a
story rewind hide later messages while keeping them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from sceneintruder.core.clock import utcnow
from sceneintruder.db.base import Base
from sceneintruder.db.ownership import OwnedMixin

_SCENE_FK = "scene.id"


class Scene(OwnedMixin, Base):
    __tablename__ = "scene"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(32), default="")  # "" (from text) | "comic_standalone" | "analyze"
    summary: Mapped[str] = mapped_column(Text, default="")
    era: Mapped[str] = mapped_column(String(100), default="")
    atmosphere: Mapped[str] = mapped_column(String(200), default="")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    locations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8), default="en")
    analysis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # provider, chunk count, text size
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(default=utcnow)
    last_accessed: Mapped[datetime] = mapped_column(default=utcnow)


class SceneText(Base):
    __tablename__ = "scene_text"

    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    char_count: Mapped[int] = mapped_column(Integer, default=0)


class SceneSegment(Base):
    """The source text cut into ~900-character passages, in order; the story turns each into a node."""

    __tablename__ = "scene_segment"

    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, default="")
    start_paragraph: Mapped[int] = mapped_column(Integer, default=0)
    end_paragraph: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)


class SceneCharacter(Base):
    __tablename__ = "scene_character"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # importance order from the analysis
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    role: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    personality: Mapped[str] = mapped_column(Text, default="")
    traits: Mapped[list[str]] = mapped_column(JSON, default=list)
    background: Mapped[str] = mapped_column(Text, default="")
    speech_style: Mapped[str] = mapped_column(Text, default="")
    knowledge: Mapped[list[str]] = mapped_column(JSON, default=list)
    relations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{character_id, relation}]
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    image_url: Mapped[str] = mapped_column(String(2048), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(default=utcnow)


class SceneItem(Base):
    __tablename__ = "scene_item"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    image_url: Mapped[str] = mapped_column(String(2048), default="")
    type: Mapped[str] = mapped_column(String(50), default="")
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    usable_with: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_owned: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="")
    found_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationMessage(Base):
    __tablename__ = "conversation_message"
    __table_args__ = (Index("ix_conversation_message_scene_seq", "scene_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(String(64))  # the account that caused the message
    speaker_id: Mapped[str] = mapped_column(String(64))  # "user", a character id, "story", "console_<mode>", ...
    speaker_name: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text)
    node_id: Mapped[str | None] = mapped_column(String(64))
    conversation_type: Mapped[str] = mapped_column(String(40), default="")
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    parent_id: Mapped[str | None] = mapped_column(String(64), index=True)  # previous message on its branch
    variant_of: Mapped[str | None] = mapped_column(String(64), index=True)  # first of its alternatives; None: itself
    selected: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # chosen among alternatives
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # on the active path (not a discarded swipe)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)  # hidden by a story rewind, kept
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
