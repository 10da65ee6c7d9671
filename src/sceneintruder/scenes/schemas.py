"""Wire shapes of the scenes domain (reference spec §2, §3, §7.1-§7.4), validated.

Scenes have one title field; it is served as both `title` and `name`, the two keys the reference split.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator
from typing_extensions import TypedDict

from sceneintruder.core.schemas import JsonBlob, OmitNoneModel, RequestModel, WireModel

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]


class SceneCreate(WireModel):
    """`text` is kept exactly as sent (only `title` is trimmed): the source text is content."""

    title: Title
    text: str = Field(min_length=1)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value


class SceneShellCreate(RequestModel):
    title: Title
    description: LongText = ""


class LocationRead(WireModel):
    name: str
    description: str = ""


class SceneRead(OmitNoneModel):
    id: str
    user_id: str
    title: str
    name: str
    description: str
    source: str
    summary: str
    era: str
    atmosphere: str
    themes: list[str]
    locations: list[LocationRead]
    language: str
    created_at: datetime
    last_accessed: datetime
    last_updated: datetime
    character_count: int
    item_count: int
    analysis: dict[str, Any] | None = None


class RelationRead(WireModel):
    character_id: str
    name: str
    relation: str


class CharacterRead(OmitNoneModel):
    id: str
    scene_id: str
    name: str
    aliases: list[str]
    role: str
    description: str
    novel: str
    personality: str
    traits: list[str]
    background: str
    speech_style: str
    relationships: dict[str, str]  # the reference's shape: other character's name -> relation
    relations: list[RelationRead]  # the same, keyed by character id
    knowledge: list[str]
    importance: int
    image_url: str | None = None
    created_at: datetime
    last_updated: datetime


ItemSource = Literal["EXPLICIT", "GENERATED", "EXPLORATION", "SYSTEM", "BRANCH", "STORY", ""]


class ItemWrite(RequestModel):
    """POST and PUT body. PUT replaces every field but `id`, `scene_id` and `created_at`."""

    name: ShortText = Field(min_length=1)
    description: LongText = ""
    location: ShortText = ""
    image_url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048)] = ""
    type: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = ""
    properties: JsonBlob = Field(default_factory=dict)
    usable_with: list[Annotated[str, StringConstraints(max_length=64)]] = Field(default_factory=list, max_length=100)
    is_owned: bool = False
    source: ItemSource = "EXPLICIT"


class ItemRead(OmitNoneModel):
    id: str
    scene_id: str
    name: str
    description: str
    location: str
    image_url: str
    type: str
    properties: dict[str, Any]
    usable_with: list[str]
    is_owned: bool
    source: str
    found_at: datetime | None = None
    created_at: datetime
    last_updated: datetime


class ItemList(OmitNoneModel):
    scene_items: list[ItemRead]
    owned_items: list[ItemRead]
    total: int


class AlternativesRead(WireModel):
    """A message's alternatives (swipes, regenerations, edits), oldest first; `index` is this message's place."""

    count: int
    index: int
    ids: list[str]


class ConversationRead(OmitNoneModel):
    id: str
    scene_id: str
    speaker_id: str
    speaker_name: str
    node_id: str | None = None
    content: str
    timestamp: datetime
    speaker: str = ""
    message: str = ""
    conversation_type: str
    metadata: dict[str, Any]
    parent_id: str | None = None  # the message this one follows (the log is a tree)
    alternatives: AlternativesRead | None = None  # only when the message has alternatives


class ContextRead(OmitNoneModel):
    scene_id: str
    conversations: list[ConversationRead]
    last_updated: datetime


class SceneSettingsRead(WireModel):
    """The reference writes these as zero values and nothing reads them; served for shape compatibility."""

    scene_id: str
    user_id: str
    allow_free_chat: bool = True
    allow_plot_twists: bool = True
    creativity_level: float = 0.5
    response_length: str = "medium"
    interaction_style: str = "casual"
    language_complexity: str = "medium"
    last_updated: datetime


class SegmentRead(WireModel):
    index: int
    title: str
    summary: str
    start_paragraph: int
    end_paragraph: int
    original_text: str


class SceneDataRead(OmitNoneModel):
    scene: SceneRead
    context: ContextRead
    settings: SceneSettingsRead
    characters: list[CharacterRead]
    items: list[ItemRead]
    original_text: str | None = None
    original_segments: list[SegmentRead] | None = None


class AnalyzeRequest(SceneCreate):
    """Like SceneCreate (the text is kept exactly as sent), with no synchronous size limit."""


class SceneDeletedRead(TypedDict):
    scene_id: str


class TaskStartedRead(TypedDict):
    """A job was accepted: follow it at `/api/progress/<task_id>`."""

    task_id: str
    message: str


class UploadResult(WireModel):
    filename: str
    content: str
    size: int
    encoding: str
    char_count: int
