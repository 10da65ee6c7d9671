"""The tasks the writing assistant asks a model for (and the offline skills answer), and the command's shape."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from sceneintruder.providers.llm.structured import content_fields

TASK_OUTLINE = "script_outline"
TASK_KEY_BEATS = "script_key_beats"
TASK_COMMAND = "script_command"


class CommandAnswer(BaseModel):
    model_config = content_fields("main_text")

    main_text: str = ""
    environment: str = ""
    dialogue_variants: list[str] = Field(default_factory=list)
    subtext: str = ""
    branches: list[dict[str, str]] = Field(default_factory=list)
    memory_update: dict[str, Any] = Field(default_factory=dict)

    @field_validator("main_text", "environment", "subtext", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return "" if value is None else str(value)

    @field_validator("dialogue_variants", mode="before")
    @classmethod
    def _variants(cls, value: Any) -> list[str]:
        if isinstance(value, str):
            return [value] if value.strip() else []
        return [str(v) for v in value if str(v).strip()] if isinstance(value, list) else []

    @field_validator("branches", mode="before")
    @classmethod
    def _branches(cls, value: Any) -> list[dict[str, str]]:
        out = []
        for position, entry in enumerate(value if isinstance(value, list) else [], start=1):
            text = entry.get("text") if isinstance(entry, dict) else entry
            if isinstance(text, str) and text.strip():
                raw_id = entry.get("id") if isinstance(entry, dict) else None
                out.append({"id": str(raw_id or f"b{position}")[:32], "text": text.strip()[:1000]})
        return out[:3]

    @field_validator("memory_update", mode="before")
    @classmethod
    def _update(cls, value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}
