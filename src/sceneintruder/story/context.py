"""What a story prompt may know, gathered in the step's transaction as plain data (no ORM object outlives it).

Bounded by construction: the scene's short facts, the cast (at most 12), the rolling summary of the path
(≤1200 characters), the last two nodes of the current path, the last three console lines, and what the story
already has (names only). Never the passages the player has not reached: a step that reveals one passes that
one passage itself (the reference fed every node, read or not, to the advance prompt: spoilers and unbounded
growth, spec B30).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.db.json_bundle import JsonBundle, Part
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.service import ItemName
from sceneintruder.story import _state
from sceneintruder.story._state import DIGEST_SOURCE_CHARS, RECENT_NODES, NextSource
from sceneintruder.story._text import clip
from sceneintruder.story.errors import StoryNotFound
from sceneintruder.story.models import Story, StoryLocation, StoryNode, StoryTask

if TYPE_CHECKING:
    from sceneintruder.scenes.service import Scene

CAST_SIZE = 12
RECENT_CHARS = 700  # of each of the last path nodes
EVENT_CHARS = 300  # of each recent console line
EVENTS = 3
PASSAGE_CHARS = 1500  # the passage a step reveals (the reference's limit for init prompts)
PROFILE_FIELDS = ("id", "name", "aliases", "role", "description", "personality", "speech_style", "knowledge")
CONSOLE_TYPE = "story_console"

_SCENE: BindParameter[str] = bindparam("scene_id")
_STORY_FIELDS = select(Story.language, Story.rolling_summary, Story.progress, Story.current_state).where(
    Story.scene_id == _SCENE
)
_LOCATION_ORDER = (StoryLocation.position, StoryLocation.id)
_LOCATIONS = (
    select(StoryLocation.id, StoryLocation.name, StoryLocation.description, StoryLocation.accessible)
    .where(StoryLocation.scene_id == _SCENE)
    .order_by(*_LOCATION_ORDER)
)
_TASK_ORDER = (StoryTask.position, StoryTask.id)
_TASK_TITLES = select(StoryTask.title).where(StoryTask.scene_id == _SCENE).order_by(*_TASK_ORDER)
# Everything a prompt may know, read as one statement (db.json_bundle): the story's own fields, the cast, the
# path's last texts, the console's last lines, the items, places and tasks; `_AHEAD` adds the book's next passage
# (`_state.NEXT_SOURCE` and `_state.HAS_BOOK` as two more parts).
_PARTS: dict[str, Part] = {
    "story": (_STORY_FIELDS, (Story.scene_id,)),
    "profiles": scenes_service.prompt_rows.PROFILES,
    "recent": (_state.RECENT_TEXTS, (StoryNode.reveal_seq.desc(),)),
    "console": scenes_service.prompt_rows.latest_contents(CONSOLE_TYPE, EVENTS),
    "items": scenes_service.prompt_rows.ITEM_NAMES,
    "locations": (_LOCATIONS, _LOCATION_ORDER),
    "tasks": (_TASK_TITLES, _TASK_ORDER),
}
_CONTEXT = JsonBundle(_PARTS)
_AHEAD = JsonBundle(
    _PARTS | {"next": (_state.NEXT_SOURCE, (StoryNode.segment_index,)), "has_book": (_state.HAS_BOOK, ())}
)
_PARAMS = {"cast_size": CAST_SIZE, "chars": DIGEST_SOURCE_CHARS, "count": RECENT_NODES}


@dataclass(frozen=True)
class StoryContext:
    language: str
    scene: dict[str, Any]  # title, description, summary, era, atmosphere, characters, locations
    cast: list[dict[str, Any]]  # id, name, role, aliases (the short list the skills take)
    profiles: list[dict[str, Any]]  # the cast with personality, speech style, knowledge (for the console)
    summary: str  # the rolling summary of the path before the recent nodes
    recent: list[str]  # the last nodes of the current path, oldest first
    events: list[str]  # the last console lines (narration, characters' words)
    progress: int
    state: str
    known_locations: list[str] = field(default_factory=list)
    known_items: list[str] = field(default_factory=list)
    known_tasks: list[str] = field(default_factory=list)
    locations: list[dict[str, Any]] = field(default_factory=list)  # id, name, description, accessible
    held_items: list[str] = field(default_factory=list)
    items: list[ItemName] = field(default_factory=list)  # the scene's items with their ids (to relate a node)
    places: list[PlaceRef] = field(default_factory=list)  # the story's places with their ids (likewise)


@dataclass(frozen=True)
class PlaceRef:
    id: str
    name: str
    accessible: bool


def scene_facts(scene: Scene, characters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "title": scene.title,
        "description": clip(scene.description, 400),
        "summary": clip(scene.summary, 500),
        "era": scene.era,
        "atmosphere": scene.atmosphere,
        "characters": [{"name": c["name"], "aliases": c["aliases"]} for c in characters],
        "locations": [str(location.get("name", "")) for location in scene.locations or [] if location.get("name")],
    }


async def gather(session: AsyncSession, scene: Scene) -> StoryContext:
    """The context a prompt on this scene's story may know (a scene with no story yet: the scene's alone)."""
    return _context(scene, await _CONTEXT.read(session, {"scene_id": scene.id, **_PARAMS}))


async def gather_ahead(session: AsyncSession, scene: Scene) -> tuple[StoryContext, NextSource]:
    """`gather` and the book's next passage (`_state.next_source`), in one statement. StoryNotFound without a
    story."""
    parts = await _AHEAD.read(session, {"scene_id": scene.id, **_PARAMS})
    if not parts["story"]:
        raise StoryNotFound(details=scene.id)
    if parts["next"]:
        node_id, segment_index, text = parts["next"][0]
        source = NextSource(node_id, segment_index, text, has_book=True)
    else:
        source = NextSource(None, None, None, has_book=bool(parts["has_book"][0][0]))
    return _context(scene, parts), source


def _context(scene: Scene, parts: dict[str, list[tuple[Any, ...]]]) -> StoryContext:
    profiles = [scenes_service.prompt_rows.profile(row) for row in parts["profiles"]]
    cast = [{key: p[key] for key in ("id", "name", "role", "aliases")} for p in profiles]
    language, summary, progress, state = parts["story"][0] if parts["story"] else (scene.language, "", 0, "")
    path = [content or original or "" for content, original in parts["recent"]][::-1]
    items = [scenes_service.prompt_rows.item_name(row) for row in parts["items"]]
    locations = [
        {"id": loc_id, "name": name, "description": description, "accessible": accessible}
        for loc_id, name, description, accessible in parts["locations"]
    ]
    return StoryContext(
        language=language,
        scene=scene_facts(scene, cast),
        cast=cast,
        profiles=profiles,
        summary=summary or "",
        recent=[clip(text, RECENT_CHARS) for text in path],
        events=[clip(content, EVENT_CHARS) for (content,) in reversed(parts["console"])],
        progress=progress or 0,
        state=state or "",
        known_locations=[location["name"] for location in locations],
        known_items=[item.name for item in (*(i for i in items if not i.owned), *(i for i in items if i.owned))],
        known_tasks=[title for (title,) in parts["tasks"]],
        locations=locations,
        held_items=[item.name for item in items if item.owned],
        items=items,
        places=[PlaceRef(loc["id"], loc["name"], loc["accessible"]) for loc in locations],
    )
