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

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.service import ItemName
from sceneintruder.story._state import DIGEST_SOURCE_CHARS, RECENT_NODES, recent_texts
from sceneintruder.story._text import clip
from sceneintruder.story.models import Story, StoryLocation, StoryTask

if TYPE_CHECKING:
    from sceneintruder.scenes.service import Scene

CAST_SIZE = 12
RECENT_CHARS = 700  # of each of the last path nodes
EVENT_CHARS = 300  # of each recent console line
EVENTS = 3
PASSAGE_CHARS = 1500  # the passage a step reveals (the reference's limit for init prompts)
_LOCATIONS = select(StoryLocation).where(StoryLocation.scene_id == bindparam("scene_id"))  # built once (_state)
_TASK_TITLES = select(StoryTask.title).where(StoryTask.scene_id == bindparam("scene_id"))
PROFILE_FIELDS = ("id", "name", "aliases", "role", "description", "personality", "speech_style", "knowledge")


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


async def gather(session: AsyncSession, scene: Scene, story: Story | None) -> StoryContext:
    profiles = await scenes_service.character_profiles(session, scene_id=scene.id, limit=CAST_SIZE)
    cast = [{key: p[key] for key in ("id", "name", "role", "aliases")} for p in profiles]
    path = await recent_texts(session, scene.id, RECENT_NODES, DIGEST_SOURCE_CHARS) if story is not None else []
    console = await scenes_service.latest_messages(
        session, scene_id=scene.id, conversation_types=("story_console",), limit=EVENTS
    )
    items = await scenes_service.item_names(session, scene_id=scene.id)
    locations = (await session.scalars(_LOCATIONS, {"scene_id": scene.id})).all()
    tasks = (await session.scalars(_TASK_TITLES, {"scene_id": scene.id})).all()
    return StoryContext(
        language=story.language if story is not None else scene.language,
        scene=scene_facts(scene, cast),
        cast=cast,
        profiles=profiles,
        summary=story.rolling_summary if story is not None else "",
        recent=[clip(text, RECENT_CHARS) for text in path],
        events=[clip(message.content, EVENT_CHARS) for message in console],
        progress=story.progress if story is not None else 0,
        state=story.current_state if story is not None else "",
        known_locations=[location.name for location in locations],
        known_items=[item.name for item in (*(i for i in items if not i.owned), *(i for i in items if i.owned))],
        known_tasks=list(tasks),
        locations=[
            {"id": loc.id, "name": loc.name, "description": loc.description, "accessible": loc.accessible}
            for loc in locations
        ],
        held_items=[item.name for item in items if item.owned],
        items=items,
        places=[PlaceRef(loc.id, loc.name, loc.accessible) for loc in locations],
    )
