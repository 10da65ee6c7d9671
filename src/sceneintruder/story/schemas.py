"""Request bodies of the story endpoints (reference spec §4, §7.7), validated, and the response shapes.

Responses are TypedDicts built by `story.presenters` (the reference's JSON keys), not pydantic models, because
`GET /story` of a long book serialises thousands of nodes and choices and must stay fast; mypy checks them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import ConfigDict, Field, StringConstraints, field_validator
from typing_extensions import TypedDict

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


# --- responses: the reference's StoryData family (spec §7.5), built as dicts by `views` and `reading` ---------------


class ChoiceView(TypedDict):
    id: str
    text: str
    consequence: str
    next_node_hint: str
    selected: bool
    is_selected: bool
    created_at: str
    description: str
    type: str
    impact: float
    order: int
    source: str
    next_node_id: NotRequired[str]
    metadata: NotRequired[dict[str, Any]]


class NodeView(TypedDict):
    id: str
    scene_id: str
    content: str
    original_content: str
    type: str
    choices: list[ChoiceView]
    is_revealed: bool
    abandoned: bool  # on a branch a rewind left
    created_at: str
    source: str
    metadata: dict[str, Any]
    related_item_ids: list[str]
    parent_id: NotRequired[str]


class ObjectiveView(TypedDict):
    id: str
    description: str
    completed: bool
    completed_at: NotRequired[str]


class TaskView(TypedDict):
    id: str
    scene_id: str
    title: str
    description: str
    objectives: list[ObjectiveView]
    reward: str
    is_revealed: bool
    source: str
    type: str
    status: str
    priority: str
    completed: bool
    metadata: dict[str, Any]
    completed_at: NotRequired[str]


class LocationView(TypedDict):
    id: str
    scene_id: str
    name: str
    description: str
    accessible: bool
    requires_item: str
    source: str
    explored_at: NotRequired[str]


class StoryView(TypedDict):
    """StoryData. `task_id` is the initialisation's job while the story is being built."""

    scene_id: str
    intro: str
    main_objective: str
    current_state: str
    progress: float
    nodes: list[NodeView]
    tasks: list[TaskView]
    locations: list[LocationView]
    last_updated: str
    current_node_id: str | None
    init_status: str  # none | pending | building | playable | ready | failed
    task_id: NotRequired[str]


class BranchChoice(TypedDict):
    id: str
    text: str
    consequence: str
    selected: bool
    next_node_id: str


class BranchNode(TypedDict):
    id: str
    content: str
    type: str
    choices: list[BranchChoice]
    created_at: str
    is_active: bool
    abandoned: bool
    children: NotRequired[list[BranchNode]]


class BranchView(TypedDict):
    scene_id: str
    intro: str
    main_objective: str
    current_state: str
    progress: float
    root_nodes: list[BranchNode]
    current_path: dict[str, bool]


class ChoiceResult(TypedDict):
    next_node: NodeView | None
    story_data: StoryView


class StoryUpdate(TypedDict):
    id: str
    scene_id: str
    title: str
    content: str
    type: str
    created_at: str
    source: str
    node_id: str
    provider: str  # who wrote `content`: the vendor, or "builtin" (offline)
    model: str
    offline: bool
    fallback_reason: NotRequired[str]  # set when a model's reply was unusable and the offline provider answered


class AdvanceResult(TypedDict):
    story_update: StoryUpdate
    story_data: StoryView


class CommandCharacter(TypedDict):
    id: str
    name: str
    role: str
    mood: str


class CommandResult(TypedDict):
    reply: str
    mode: str
    context: str
    characters: list[CommandCharacter] | None
    skill_hints: list[str]
    item_hints: list[str]
    timestamp: str
    fallback_used: bool
    provider: str  # who wrote `reply` and the suggestions: the vendor, or "builtin" (offline)
    model: str
    offline: bool
    fallback_reason: NotRequired[str]  # set when a model's reply was unusable and the offline provider answered
    choice_suggestions: NotRequired[list[dict[str, Any]]]
    choice_node_id: NotRequired[str]


class InsertResult(TypedDict):
    node: NodeView
    content: str


class RewindResult(TypedDict):
    story: StoryView
    story_data: BranchView
    branch_view: BranchView
    target_node: NodeView
    target_node_id: str
    progress: float
    current_state: str
    removed_node_ids: list[str]


class BatchResult(TypedDict):
    operations: int
    results: list[dict[str, Any]]


class ExploreResult(TypedDict):
    location_id: str
    description: str
    explored_time: str
    provider: str  # who wrote the description (and the node, if any): the vendor, or "builtin" (offline)
    model: str
    offline: bool
    fallback_reason: NotRequired[str]  # set when a model's reply was unusable and the offline provider answered
    found_item: NotRequired[dict[str, Any]]
    story_node: NotRequired[NodeView]
    new_clue: NotRequired[str]


class NodeContent(TypedDict):
    node: NodeView
    content: str
    original_content: str
    related_item_ids: list[str]
    metadata: dict[str, Any]
    character_links: list[Any]
    interaction_triggers: list[Any]


class SceneAggregate(TypedDict):
    scene: dict[str, Any]  # the scene (as GET /api/scenes lists it)
    characters: list[dict[str, Any]]
    story: StoryView | None
    current_node: NodeView | None
    available_choices: list[ChoiceView]
    recent_conversations: list[dict[str, Any]]
    last_updated: str
    version: str
    ui_state: NotRequired[dict[str, Any]]
    progress: NotRequired[dict[str, Any]]
