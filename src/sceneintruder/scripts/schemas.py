"""Wire shapes of `/api/scripts` (JSON keys as the reference's, spec §9.2 and §10; ours beside them).

Requests are validated on write: text and lists bounded, ids shaped as ours (`script_<digits>`, `draft_<digits>`),
a framework at most 64 KB. Responses are plain dicts built by `views.py`, documented here.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator
from typing_extensions import TypedDict

from sceneintruder.core.errors import BadRequest

MAX_TITLE = 200
MAX_TYPE = 32
MAX_TEXT = 200_000  # one chapter's prose or one scene's text
MAX_PROMPT = 20_000
MAX_FRAMEWORK_BYTES = 65_536
MAX_CHAPTERS = 300  # the reference's clamp
MAX_CHAPTER_INDEX = 10_000
DEFAULT_WORKFLOW_LIMIT = 3
MAX_WORKFLOW_LIMIT = 200
MEMORY_KINDS = ("fact", "thread", "foreshadowing", "character_state")
SCRIPT_ID = re.compile(r"^script_\d{1,40}$")
DRAFT_ID = re.compile(r"^draft_\d{1,40}$")


def normalise_framework(value: Any) -> dict[str, Any]:
    """The reference's rules (spec §9.2): a string is the theme's core (`""` is `{}`), any other non-object is
    kept under `raw`. At most 64 KB."""
    if isinstance(value, str):
        framework: dict[str, Any] = {"theme": {"core": value.strip()}} if value.strip() else {}
    elif isinstance(value, dict):
        framework = value
    else:
        framework = {"raw": value}
    if len(orjson.dumps(framework)) > MAX_FRAMEWORK_BYTES:
        raise BadRequest("请求参数无效", details=f"framework must be at most {MAX_FRAMEWORK_BYTES} bytes of JSON")
    return framework


def chapter_count(framework: dict[str, Any] | None) -> int | None:
    """`chapter_count` (an int or a numeric string) if positive, clamped to 1..300; None when unset."""
    raw = (framework or {}).get("chapter_count")
    if isinstance(raw, bool):
        return None
    try:
        count = int(str(raw).strip()) if isinstance(raw, str) else int(raw) if isinstance(raw, int | float) else 0
    except ValueError:
        return None
    return max(1, min(MAX_CHAPTERS, count)) if count > 0 else None


class ScriptCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str | None = Field(default=None, max_length=MAX_TITLE)
    type: str | None = Field(default=None, max_length=MAX_TYPE)
    framework: Any = None


class ScriptUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str | None = Field(default=None, max_length=MAX_TITLE)
    type: str | None = Field(default=None, max_length=MAX_TYPE)
    framework: Any = None


class Target(BaseModel):
    model_config = ConfigDict(extra="ignore")

    chapter: int = Field(default=0, ge=0, le=MAX_CHAPTER_INDEX)
    scene: int = Field(default=0, ge=0, le=1000)
    segment: int = Field(default=0, ge=0, le=1000)

    def resolved(self) -> dict[str, int]:
        """Chapter and scene 0 mean 1 (the reference's default)."""
        return {"chapter": self.chapter or 1, "scene": self.scene or 1, "segment": self.segment}


class ChapterDraftIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    chapter: int = Field(ge=-1_000_000, le=MAX_CHAPTER_INDEX)  # <= 0 is the reference's own 400 message
    user_draft: str = Field(default="", max_length=MAX_TEXT)


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    draft_id: str | None = Field(default=None, max_length=64)
    target: Target = Field(default_factory=Target)
    text: str = Field(default="", max_length=MAX_TEXT)
    user_prompt: str | None = Field(default=None, max_length=MAX_PROMPT)


class CommandIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    assist_mode: str = Field(default="", max_length=32)
    user_input: str = Field(default="", max_length=MAX_PROMPT)
    command: str = Field(default="", max_length=MAX_PROMPT)
    target: Target = Field(default_factory=Target)
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("options")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(orjson.dumps(value)) > MAX_FRAMEWORK_BYTES:
            raise ValueError(f"options must be at most {MAX_FRAMEWORK_BYTES} bytes of JSON")
        return value

    def command_id(self) -> str:
        raw = self.options.get("command_id") or self.options.get("commandId") or ""
        return str(raw).strip() if isinstance(raw, str | int) else ""

    def batch_size(self) -> int:
        raw = self.options.get("batch_size")
        size = raw if isinstance(raw, int) and not isinstance(raw, bool) else 16
        return 16 if size <= 0 else min(size, 20)


class RewindIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    draft_id: str | None = Field(default=None, max_length=64)


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    restart: bool = False  # start a new outline run even if the last one stopped part-way


class MemoryEntryIn(BaseModel):
    """A memory entry the writer adds (a fact, a thread, a foreshadowing with its payoff, a character's state)."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(pattern="^(fact|thread|foreshadowing|character_state)$")
    text: str = Field(default="", max_length=4000)
    chapter: int = Field(default=1, ge=1, le=MAX_CHAPTER_INDEX)
    payoff_by: int | None = Field(default=None, ge=1, le=MAX_CHAPTER_INDEX)
    character: str = Field(default="", max_length=200)
    state: dict[str, str] = Field(default_factory=dict, max_length=20)


class MemoryEntryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = Field(default=None, pattern="^(open|closed|planned|paid)$")
    payoff_by: int | None = Field(default=None, ge=1, le=MAX_CHAPTER_INDEX)
    chapter: int | None = Field(default=None, ge=1, le=MAX_CHAPTER_INDEX)  # where it was resolved


# --- responses (documented shapes; the service builds plain dicts) ------------------------------------------------


class Cursor(TypedDict):
    chapter: int
    scene: int
    segment: int


class ScriptSummaryOut(TypedDict, total=False):
    id: str
    title: str
    type: str
    created_at: str
    updated_at: str
    framework: dict[str, Any] | None
    recommended_commands: list[dict[str, Any]]
    state: dict[str, Any]


class ScriptDetailOut(ScriptSummaryOut, total=False):
    drafts: list[dict[str, Any]]
    memory: dict[str, Any]
    chapter_summaries: dict[str, Any]
    chapter_draft: dict[str, Any]
    characters: list[dict[str, Any]]
    items: list[dict[str, Any]]
    active_draft: dict[str, Any]
    workflow_items: list[dict[str, Any]]
    ledger: dict[str, Any]  # ours: foreshadowing and threads with their chapters, character state per chapter
    continuity: dict[str, Any]  # ours: warnings that never block
    outline_run: dict[str, Any]  # ours: the last outline run's checkpoint


class Deleted(TypedDict):
    id: str


class TaskStarted(TypedDict):
    task_id: str


class DraftSaved(TypedDict):
    draft_id: str
    active_draft_id: str
    cursor: Cursor
    updated_at: str


class CommandOut(TypedDict, total=False):
    draft_id: str
    workflow_item_id: str
    output: dict[str, Any]
    memory_update: dict[str, Any]
    task_id: str  # ours: fill_outline_next runs as a job; here when it had not finished within the wait
    provider: str
    model: str
    offline: bool


class ChapterDraftOut(TypedDict):
    chapters: list[dict[str, Any]]


class ContinuityOut(TypedDict):
    script_id: str
    revision: int
    warnings: list[dict[str, Any]]
    ledger: dict[str, Any]


class ProseVersionsOut(TypedDict):
    chapter: int
    user_draft: str
    versions: list[dict[str, Any]]


class MemoryEntryOut(TypedDict, total=False):
    id: str
    kind: str
    text: str
    status: str
    chapter: int
    payoff_by: int | None
    resolved_chapter: int | None
    character: str
    state: dict[str, Any]
