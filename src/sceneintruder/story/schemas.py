"""Request bodies of the story endpoints (reference spec §4, §7.7), validated.

Responses are built as plain dicts by `story.views` (the reference's JSON keys), because `GET /story` of a long
book serialises thousands of nodes and choices and must stay fast.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from sceneintruder.core.schemas import JsonBlob, RequestModel

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Hint = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Creativity = Literal["STRICT", "BALANCED", "EXPANSIVE"]


class UserPreferences(RequestModel):
    """What the story reads of the reference's UserPreferences. `preferred_model` is accepted and ignored: a
    client never picks the server's model (spec B31)."""

    model_config = ConfigDict(str_strip_whitespace=True, populate_by_name=True, extra="ignore")

    creativity_level: Creativity = "BALANCED"
    allow_plot_twists: bool = True
    response_length: str = "medium"
    language_style: str = "casual"

    @field_validator("creativity_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) and value.strip() else "BALANCED"


DEFAULT_PREFERENCES = UserPreferences()


class ChoiceRequest(RequestModel):
    node_id: Id
    choice_id: Id
    user_preferences: UserPreferences | None = None


COMMAND_MODES = frozenset({"story", "character", "group", "skill"})


class CommandRequest(RequestModel):
    """The console (spec §4 /story/command): `mode` is story (the default), character, group or skill; any other
    mode is a 400 (the reference quietly ran it as story)."""

    input: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""
    mode: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=32)] = "story"
    character_ids: list[Id] = Field(default_factory=list, max_length=20)
    item_hints: list[Hint] = Field(default_factory=list, max_length=20)
    skill_hints: list[Hint] = Field(default_factory=list, max_length=20)
    location_ids: list[Id] = Field(default_factory=list, max_length=20)

    @field_validator("mode", mode="after")
    @classmethod
    def _known_mode(cls, value: str) -> str:
        value = value or "story"
        if value not in COMMAND_MODES:
            raise ValueError(f"mode must be one of {', '.join(sorted(COMMAND_MODES))}")
        return value


class InsertRequest(RequestModel):
    content: Annotated[str, StringConstraints(max_length=20_000)] | None = None


class RewindRequest(RequestModel):
    """`node_id` is a node on the current path, or `new_start`; the UI also sends `target_node_id`, ignored."""

    node_id: Id
    target_node_id: str | None = None


NEW_START = "new_start"


class BatchOperation(RequestModel):
    type: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
    data: JsonBlob = Field(default_factory=dict)


class BatchRequest(RequestModel):
    operations: list[BatchOperation] = Field(min_length=1, max_length=100)
