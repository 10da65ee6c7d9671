"""ORM rows of the settings domain: the server-wide provider configuration, and one row per LLM call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from sceneintruder.core.clock import utcnow
from sceneintruder.db.base import Base

SINGLETON_ID = 1


class ProviderSettings(Base):
    """One row (id 1): what `POST /api/settings` stores. Secrets live only in `sealed_secrets`, as
    `{section: {field: sealed value}}`, each bound to its provider and endpoint (core.secretbox)."""

    __tablename__ = "settings_provider"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    llm_provider: Mapped[str] = mapped_column(String(32), default="")
    llm_config: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    vision_provider: Mapped[str] = mapped_column(String(32), default="")
    vision_default_model: Mapped[str] = mapped_column(String(128), default="")
    vision_config: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    vision_model_providers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    vision_models: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    video_provider: Mapped[str] = mapped_column(String(32), default="")
    video_default_model: Mapped[str] = mapped_column(String(128), default="")
    video_config: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    video_model_providers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    video_models: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    sealed_secrets: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class LLMCall(Base):
    """One provider call made through LLMClient (a fallback or a re-ask is a call of its own)."""

    __tablename__ = "settings_llm_call"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    task: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(32))  # ok | cancelled | an error kind
    error_code: Mapped[str | None] = mapped_column(String(64))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    cost_usd: Mapped[float | None] = mapped_column(Float)  # None when the price table has no entry
    streamed: Mapped[bool] = mapped_column(Boolean, default=False)
    # the token counts are an estimate (a stream whose server sent no usage), not what the server counted
    tokens_estimated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    user_id: Mapped[str | None] = mapped_column(String(64), index=True)  # no FK: accounting outlives accounts
    job_id: Mapped[str | None] = mapped_column(String(64), index=True)
