"""What the story's AI steps ask a model to return, and how sloppy answers are read (spec §6.2 items 3-7, 9).

Each schema is sent to real models as the JSON Schema of the answer and validates the offline skills'
answers too. Reading is lenient: defaults everywhere, `null` is "not given", unknown keys are ignored, the
reference's alternative key names are accepted (`narration` for a command's reply, `recommendations` for its
choices, `next_hint` for `next_node_hint`), enum values are coerced (Chinese words included), an impact of
`"70%"` is 0.7, and a bare string stands for a choice or an objective. Lists are cut to the sizes the product
uses. An optional object that names nothing (a `new_task` with an empty title) counts as absent: the
reference appended such empty tasks every turn (spec B30).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from sceneintruder.providers.llm.lenient import LenientModel, as_bool, as_fraction, as_object_list, as_text
from sceneintruder.providers.llm.structured import bounded_list, content_fields

TASK_STORY_SEGMENT = "story_segment"
TASK_STORY_NEXT_NODE = "story_next_node"
TASK_STORY_ADVANCE = "story_advance"
TASK_STORY_COMMAND = "story_command"
TASK_STORY_EXPLORE = "story_explore"

NextNodeType = Literal["event", "choice", "interaction"]
EventType = Literal["discovery", "encounter", "revelation"]

_NODE_TYPES: dict[str, NextNodeType] = {
    **dict.fromkeys(["event", "事件", "剧情", "narration", "continuation", "main", "story"], "event"),
    **dict.fromkeys(["choice", "选择", "抉择", "decision", "branch", "分支"], "choice"),
    **dict.fromkeys(["interaction", "互动", "对话", "dialogue", "conversation", "交流"], "interaction"),
}
_EVENT_TYPES: dict[str, EventType] = {
    **dict.fromkeys(["discovery", "发现", "find", "found", "item"], "discovery"),
    **dict.fromkeys(["encounter", "遭遇", "相遇", "偶遇", "meeting", "邂逅"], "encounter"),
    **dict.fromkeys(["revelation", "揭示", "真相", "揭露", "secret", "clue", "线索"], "revelation"),
}
_SEGMENT_TYPES = {"主线": "main", "支线": "side", "分支": "branch", "延续": "continuation", "事件": "event"}
_TEXT = AliasChoices("text", "choice", "title", "label", "option")


class ChoiceDraft(LenientModel):
    """A choice offered after a node: what the player may do, what it leads to, and a hint for the next node."""

    model_config = content_fields("text")

    text: str = Field("", validation_alias=_TEXT)
    consequence: str = Field("", validation_alias=AliasChoices("consequence", "result", "outcome", "description"))
    next_node_hint: str = Field("", validation_alias=AliasChoices("next_node_hint", "next_hint", "hint"))

    _texts = field_validator("text", "consequence", "next_node_hint", mode="before")(as_text)


def _choices(value: Any, limit: int) -> Any:
    """Choices as objects (a bare string is a choice's text), without empty ones, at most `limit`."""
    value = as_object_list(value, text_key="text")
    if not isinstance(value, list):
        return value
    return [item for item in value if not isinstance(item, dict) or any(item.get(key) for key in _TEXT.choices)][:limit]


class SegmentNarration(LenientModel):
    """A source passage retold as the story node's narration, with 2-3 choices (spec §6.2 item 9)."""

    model_config = content_fields("content")

    content: str = Field("", validation_alias=AliasChoices("content", "narration", "text", "story"))
    type: str = "main"
    choices: list[ChoiceDraft] = bounded_list(3, description="2 or 3 choices")

    _content = field_validator("content", mode="before")(as_text)

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> str:
        text = str(value or "main").strip()
        return _SEGMENT_TYPES.get(text, text.casefold() or "main")

    @field_validator("choices", mode="before")
    @classmethod
    def _at_most_three(cls, value: Any) -> Any:
        return _choices(value, 3)


class TaskDraft(LenientModel):
    """A task the story just gave the player."""

    title: str = ""
    description: str = ""
    objectives: list[str] = bounded_list(4)
    reward: str = ""

    _texts = field_validator("title", "description", "reward", mode="before")(as_text)

    @field_validator("objectives", mode="before")
    @classmethod
    def _objectives(cls, value: Any) -> Any:
        """Objectives as strings: `{description}`/`{text}`/`{title}` objects are read too."""
        if isinstance(value, str):
            value = [line.strip(" -•*0123456789.、") for line in value.splitlines() if line.strip()] or [value]
        if isinstance(value, list):
            found = [
                item.get("description") or item.get("text") or item.get("title") if isinstance(item, dict) else item
                for item in value
            ]
            return [str(item).strip() for item in found if item and str(item).strip()]
        return value


class LocationDraft(LenientModel):
    """A place the story just opened up."""

    name: str = ""
    description: str = ""
    accessible: bool = True

    _texts = field_validator("name", "description", mode="before")(as_text)

    @field_validator("accessible", mode="before")
    @classmethod
    def _accessible(cls, value: Any) -> bool:
        return as_bool(value, default=True)


class ItemDraft(LenientModel):
    """An object the player comes by."""

    name: str = ""
    description: str = ""
    type: str = "item"

    _texts = field_validator("name", "description", "type", mode="before")(as_text)


class NextNode(LenientModel):
    """The node that follows a choice (spec §6.2 item 3). The optional objects appear only when the story
    really introduces a task, a place or an object."""

    model_config = content_fields("content")

    content: str = Field("", validation_alias=AliasChoices("content", "narration", "text", "story"))
    type: NextNodeType = "event"
    choices: list[ChoiceDraft] = bounded_list(3, description="2 or 3 choices")
    new_task: TaskDraft | None = None
    new_location: LocationDraft | None = None
    new_item: ItemDraft | None = None

    _content = field_validator("content", mode="before")(as_text)

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> NextNodeType:
        return _NODE_TYPES.get(str(value or "").strip().casefold(), "event")

    @field_validator("choices", mode="before")
    @classmethod
    def _at_most_three(cls, value: Any) -> Any:
        return _choices(value, 3)

    @model_validator(mode="after")
    def _drop_empty_objects(self) -> NextNode:
        if self.new_task is not None and not self.new_task.title:
            self.new_task = None
        if self.new_location is not None and not self.new_location.name:
            self.new_location = None
        if self.new_item is not None and not self.new_item.name:
            self.new_item = None
        return self


class CommandChoice(LenientModel):
    """A suggestion of the story console; `impact` is a 0-1 weight of how much it would change the story."""

    model_config = content_fields("text")

    text: str = Field("", validation_alias=_TEXT)
    consequence: str = Field("", validation_alias=AliasChoices("consequence", "result", "outcome", "description"))
    next_hint: str = Field("", validation_alias=AliasChoices("next_hint", "next_node_hint", "hint"))
    type: str = "action"
    impact: float = Field(0.0, ge=0.0, le=1.0)

    _texts = field_validator("text", "consequence", "next_hint", "type", mode="before")(as_text)

    @field_validator("impact", mode="before")
    @classmethod
    def _impact(cls, value: Any) -> float:
        return as_fraction(value)


class CommandReply(LenientModel):
    """The console's answer (spec §4 /story/command, §6.2 items 5-6): narration or a character's words,
    and up to four suggestions."""

    model_config = content_fields("reply")

    reply: str = Field("", validation_alias=AliasChoices("reply", "narration", "content", "summary", "text"))
    choices: list[CommandChoice] = Field(
        default_factory=list, validation_alias=AliasChoices("choices", "recommendations", "choice_suggestions")
    )

    _reply = field_validator("reply", mode="before")(as_text)

    @field_validator("choices", mode="before")
    @classmethod
    def _at_most_four(cls, value: Any) -> Any:
        return _choices(value, 4)


class EventChoice(LenientModel):
    model_config = content_fields("text")

    text: str = Field("", validation_alias=_TEXT)
    consequence: str = Field("", validation_alias=AliasChoices("consequence", "result", "outcome", "description"))

    _texts = field_validator("text", "consequence", mode="before")(as_text)


class StoryEventDraft(LenientModel):
    """Something that happens while exploring; it becomes a node."""

    model_config = content_fields("content")

    content: str = Field("", validation_alias=AliasChoices("content", "narration", "text", "description"))
    type: EventType = "discovery"
    choices: list[EventChoice] = bounded_list(3)

    _content = field_validator("content", mode="before")(as_text)

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> EventType:
        return _EVENT_TYPES.get(str(value or "").strip().casefold(), "discovery")

    @field_validator("choices", mode="before")
    @classmethod
    def _at_most_three(cls, value: Any) -> Any:
        return _choices(value, 3)


class ExploreResult(LenientModel):
    """What exploring a location yields (spec §6.2 item 7)."""

    model_config = content_fields("description")

    description: str = Field("", validation_alias=AliasChoices("description", "content", "narration"))
    found_item: ItemDraft | None = None
    story_event: StoryEventDraft | None = None
    new_clue: str | None = None

    _description = field_validator("description", mode="before")(as_text)

    @field_validator("new_clue", mode="before")
    @classmethod
    def _clue(cls, value: Any) -> Any:
        text = as_text(value)
        return (text.strip() or None) if isinstance(text, str) else text

    @model_validator(mode="after")
    def _drop_empty_objects(self) -> ExploreResult:
        if self.found_item is not None and not self.found_item.name:
            self.found_item = None
        if self.story_event is not None and not self.story_event.content:
            self.story_event = None
        return self
