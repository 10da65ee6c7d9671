"""ORM rows of the video studio, one set per scene.

`VideoState` holds the current timeline (its `version`) and the meta of the last generation; `VideoClip`
rows are scoped to a version, so a new timeline never shows an old one's clip statuses (spec §8.7). Narration
and films are files under DATA_DIR (`scenes/<scene_id>/video/`), pruned to the last versions (§8.33).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sceneintruder.core.clock import utcnow
from sceneintruder.db.base import Base


class VideoState(Base):
    __tablename__ = "video_state"

    scene_id: Mapped[str] = mapped_column(ForeignKey("scene.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    timeline: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class VideoClip(Base):
    __tablename__ = "video_clip"

    scene_id: Mapped[str] = mapped_column(ForeignKey("scene.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    frame_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # completed | failed
    provider: Mapped[str] = mapped_column(String(32))
    provider_status: Mapped[str] = mapped_column(String(32), default="")
    attempt_count: Mapped[int] = mapped_column(Integer, default=1)
    narration_file: Mapped[str | None] = mapped_column(String(96))
    narration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    file_name: Mapped[str | None] = mapped_column(String(96))  # a vendor's clip; None for an offline shot
    error_message: Mapped[str] = mapped_column(Text, default="")
    elapsed_ms: Mapped[float] = mapped_column(Float, default=0.0)
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
