"""What the analysis of one chunk looks like, and what the merged analysis of a whole text looks like.

`ChunkAnalysis` is also the JSON schema real LLMs are asked to return for a chunk
(`ChunkAnalysis.model_json_schema()`), so it is lenient on input: every field has a default, `null`
means "not given", unknown keys are ignored, a bare string stands for a name, and the reference's
`relationships: {name: relation}` map is accepted as well as our list. Field names follow the
reference's Character/Item/Location/Scene JSON (spec §6.1, §7.1-§7.3) so mapping to the API is direct.

`SceneAnalysis` is the merge of all chunks: each character has a stable `key`, and relationships point
at those keys instead of names (the reference keys them by name, which breaks on any alias).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sceneintruder.core.schemas import INT32_MAX, RequestModel, WireModel
from sceneintruder.providers.llm.structured import bounded_list, bounded_text, content_fields

Importance = Literal["critical", "important", "minor"]

_IMPORTANCE_ALIASES = {
    "critical": "critical",
    "high": "critical",
    "essential": "critical",
    "关键": "critical",
    "极重要": "critical",
    "important": "important",
    "medium": "important",
    "major": "important",
    "重要": "important",
    "minor": "minor",
    "low": "minor",
    "次要": "minor",
    "一般": "minor",
}


ANALYSIS_TASK = "scene_analysis"  # the structured call that analyses one chunk of a text


class _LenientModel(RequestModel):
    """Drops `null` values so the field default applies: LLMs write `"aliases": null` for "none"."""

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


def _as_list(value: Any) -> Any:
    """A single string where a list is expected is a one-element list ("aliases": "Lizzy")."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    return value


def _non_negative(value: Any) -> Any:
    """Counts from an LLM may be strings, floats, negative or absurd; keep what makes sense (and fits a column)."""
    try:
        return min(INT32_MAX, max(0, int(float(value))))
    except (TypeError, ValueError, OverflowError):
        return 0


NAME_CHARS = 200  # scene_character.name/role, scene_item.name/location: a model's longer string is cut
ERA_CHARS = 100  # scene.era
ATMOSPHERE_CHARS = 200  # scene.atmosphere


def _clipped(limit: int) -> Any:
    """A before-validator cutting a model's string to `limit` characters (the column it ends up in)."""

    def clip(value: Any) -> Any:
        return value.strip()[:limit] if isinstance(value, str) else value

    return clip


def _names_as_objects(value: Any) -> Any:
    """`["Elizabeth", {...}]` → `[{"name": "Elizabeth"}, {...}]`; a single object becomes a list."""
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, list):
        return [{"name": item} if isinstance(item, str) else item for item in value]
    return value


class RelationFinding(_LenientModel):
    """A relation of one character to another, by the other's name as written in the chunk."""

    name: str = ""
    relation: str = ""


class CharacterFinding(_LenientModel):
    """A person found in one chunk (reference Character fields, plus aliases and counts)."""

    model_config = content_fields("name")

    name: str = ""
    aliases: list[str] = bounded_list(5)
    role: str = ""
    description: str = bounded_text(300)
    personality: str = bounded_text(200)
    traits: list[str] = bounded_list(6)
    speech_style: str = bounded_text(200)
    background: str = bounded_text(300)
    relationships: list[RelationFinding] = bounded_list(6)
    knowledge: list[str] = bounded_list(6)
    mentions: int = 0
    dialogue_lines: int = 0

    _lists = field_validator("aliases", "traits", "knowledge", mode="before")(_as_list)
    _counts = field_validator("mentions", "dialogue_lines", mode="before")(_non_negative)
    _short = field_validator("name", "role", mode="before")(_clipped(NAME_CHARS))

    @field_validator("personality", mode="before")
    @classmethod
    def _personality_text(cls, value: Any) -> Any:
        """Some models answer personality as a list of adjectives."""
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return value

    @field_validator("relationships", mode="before")
    @classmethod
    def _relationships(cls, value: Any) -> Any:
        """Accept the reference's `{name: relation}` map and `[{name, relation}]` alike."""
        if isinstance(value, dict):
            return [{"name": str(name), "relation": str(relation or "")} for name, relation in value.items()]
        return value


class ItemFinding(_LenientModel):
    """An object found in one chunk (reference Item: name, description, location; plus importance)."""

    model_config = content_fields("name")

    name: str = ""
    description: str = bounded_text(300)
    location: str = ""
    importance: Importance = "minor"
    mentions: int = 0

    _counts = field_validator("mentions", mode="before")(_non_negative)
    _short = field_validator("name", "location", mode="before")(_clipped(NAME_CHARS))

    @field_validator("importance", mode="before")
    @classmethod
    def _importance(cls, value: Any) -> Any:
        return _IMPORTANCE_ALIASES.get(str(value).strip().casefold(), "minor")


class LocationFinding(_LenientModel):
    """A place found in one chunk (reference Location: name, description)."""

    model_config = content_fields("name")

    name: str = ""
    description: str = bounded_text(300)
    mentions: int = 0

    _counts = field_validator("mentions", mode="before")(_non_negative)
    _short = field_validator("name", mode="before")(_clipped(NAME_CHARS))


class ChunkAnalysis(_LenientModel):
    """The analysis of one chunk of text: the shape asked of every provider, real or offline."""

    model_config = content_fields("characters")

    characters: list[CharacterFinding] = bounded_list(12)
    items: list[ItemFinding] = bounded_list(10)
    locations: list[LocationFinding] = bounded_list(8)
    era: str = bounded_text(ERA_CHARS)
    atmosphere: str = bounded_text(ATMOSPHERE_CHARS)
    themes: list[str] = bounded_list(5)
    summary: str = bounded_text(600)

    _entities = field_validator("characters", "items", "locations", mode="before")(_names_as_objects)
    _themes = field_validator("themes", mode="before")(_as_list)
    _era = field_validator("era", mode="before")(_clipped(ERA_CHARS))
    _atmosphere = field_validator("atmosphere", mode="before")(_clipped(ATMOSPHERE_CHARS))


class SceneCharacter(WireModel):
    """A merged character. `relationships` maps another character's `key` to the relation."""

    key: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    role: str = ""
    description: str = ""
    personality: str = ""
    traits: list[str] = Field(default_factory=list)
    speech_style: str = ""
    background: str = ""
    relationships: dict[str, str] = Field(default_factory=dict)
    knowledge: list[str] = Field(default_factory=list)
    mentions: int = 0
    dialogue_lines: int = 0


class SceneItem(WireModel):
    """A merged item."""

    key: str
    name: str
    description: str = ""
    location: str = ""
    importance: Importance = "minor"
    mentions: int = 0


class SceneLocation(WireModel):
    """A merged location."""

    key: str
    name: str
    description: str = ""
    mentions: int = 0


class SceneAnalysis(WireModel):
    """The whole text's analysis: what scene creation maps onto Scene, Character and Item rows."""

    title: str | None = None
    language: Literal["en", "zh"]
    characters: list[SceneCharacter] = Field(default_factory=list)
    items: list[SceneItem] = Field(default_factory=list)
    locations: list[SceneLocation] = Field(default_factory=list)
    era: str = ""
    atmosphere: str = ""
    themes: list[str] = Field(default_factory=list)
    summary: str = ""
    chunk_count: int = 0
