"""ORM rows of the comic studio, one set per scene.

`ComicWorkspace` exists once anything of the scene's comic does: it holds the running comic job (one at a time)
and the per-step usage. The storyboard is `ComicBreakdown` plus its `ComicFrame` rows (ordered by `order`, then
id); each frame may have one `ComicPrompt` and one `ComicImage`. Reference images and panels are files under
DATA_DIR (`scenes/<scene_id>/comic/`); rows hold their names, types and sizes, never their bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sceneintruder.core.clock import utcnow
from sceneintruder.db.base import Base

_SCENE_FK = "scene.id"


class ComicWorkspace(Base):
    __tablename__ = "comic_workspace"

    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), primary_key=True)
    job_id: Mapped[str | None] = mapped_column(String(64))  # the comic job running (or last started)
    job_kind: Mapped[str | None] = mapped_column(String(32))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per step: provider, model, usage
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComicBreakdown(Base):
    __tablename__ = "comic_breakdown"

    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), default="")
    target_frames: Mapped[int] = mapped_column(Integer, default=8)
    source: Mapped[str] = mapped_column(String(16), default="scene")  # scene|story|node|source_text|edited
    node_id: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(128), default="")
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # provider, model, offline, ...
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComicFrame(Base):
    __tablename__ = "comic_frame"

    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), primary_key=True)
    frame_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    story_node_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    staging: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # characters, shot, time, place, mood, lines


class ComicPrompt(Base):
    __tablename__ = "comic_prompt"

    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), primary_key=True)
    frame_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the prompt record as the API shows it
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComicKeyElements(Base):
    __tablename__ = "comic_key_elements"

    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComicReference(Base):
    __tablename__ = "comic_reference"

    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), primary_key=True)
    element_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(96))
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComicImage(Base):
    __tablename__ = "comic_image"

    scene_id: Mapped[str] = mapped_column(ForeignKey(_SCENE_FK, ondelete="CASCADE"), primary_key=True)
    frame_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(96))
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(64))  # sha256 of what drew it: a resumed run skips it if equal
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(128), default="")
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
