"""`GET /api/scenes/:id/aggregate`: the scene, its characters, story, current node, open choices, recent log,
UI state and progress in one answer (spec §2), with no side effects: the reference's version initialised a
missing story with LLM calls and cached the answer for 2 minutes without ever invalidating it (B8).

`progress.story_completion` is the story's own progress (0-1); `unlocked_content` lists the open locations;
achievements follow the reference's names, with conditions of ours: `theme_explorer` (3+ themes),
`narrative_master` (10+ nodes on the current path), `history_enthusiast` (a historical era),
`veteran_player` (a scene older than 7 days), `story_explorer` (half the story), `social_butterfly`
(10+ messages in the log).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.scenes import service as scenes_service
from sceneintruder.story import graph
from sceneintruder.story.presenters import ORIGINAL_PREVIEW_CHARS, choice_view, node_view
from sceneintruder.story.reading import load_snapshot

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sceneintruder.scenes.service import Scene

VERSION = "1.0"
_MODERN_ERAS = frozenset({"", "现代", "modern", "contemporary", "present", "present day", "当代"})


@dataclass(frozen=True)
class AggregateOptions:
    include_conversations: bool = True
    include_story: bool = True
    include_ui_state: bool = True
    include_progress: bool = True
    conversation_limit: int = 20


async def aggregate(session: AsyncSession, *, scene: Scene, options: AggregateOptions) -> dict[str, Any]:
    characters = await scenes_service.list_characters(session, scene_id=scene.id)
    snapshot = await load_snapshot(session, scene.id) if options.include_story or options.include_progress else None
    current, available = None, []
    if snapshot is not None and options.include_story:
        node = graph.current_node(snapshot.nodes)
        if node is not None:
            choices = snapshot.choices.get(node.id, [])
            current = node_view(node, choices, original_limit=ORIGINAL_PREVIEW_CHARS)
            available = [choice_view(choice) for choice in choices if not choice.selected]
    conversations, total = await scenes_service.list_conversations(
        session, scene_id=scene.id, limit=options.conversation_limit, page=1
    )
    last_updated = max(scene.last_updated, snapshot.story.last_updated) if snapshot else scene.last_updated
    data: dict[str, Any] = {
        "scene": await scenes_service.read_scene(session, scene=scene),
        "characters": characters,
        "story": snapshot.view() if snapshot is not None and options.include_story else None,
        "current_node": current,
        "available_choices": available,
        "recent_conversations": conversations if options.include_conversations else [],
        "last_updated": rfc3339(last_updated),
        "version": VERSION,
    }
    if options.include_ui_state:
        data["ui_state"] = _ui_state(scene, [character.id for character in characters])
    if options.include_progress:
        _, interactions = await scenes_service.list_conversations(
            session, scene_id=scene.id, limit=1, page=1, conversation_types=("character_interaction",)
        )
        data["progress"] = _progress(scene, snapshot, interactions=interactions, messages=total)
    return data


def _ui_state(scene: Scene, character_ids: list[str]) -> dict[str, Any]:
    welcome = f"欢迎来到{scene.title}" if scene.language == "zh" else f"Welcome to {scene.title}"
    return {
        "selected_character_ids": character_ids[:1],
        "current_tab": "chat",
        "story_tree_expanded": False,
        "chat_view_mode": "normal",
        "notifications": [
            {
                "id": "welcome",
                "type": "info",
                "message": welcome,
                "actions": ["确定" if scene.language == "zh" else "OK"],
                "timestamp": rfc3339(utcnow()),
            }
        ],
    }


def _progress(scene: Scene, snapshot: Any, *, interactions: int, messages: int) -> dict[str, Any]:
    completion = snapshot.story.progress / 100 if snapshot is not None else 0.0
    path = graph.active_path(snapshot.nodes) if snapshot is not None else []
    earned = {
        "theme_explorer": len(scene.themes or []) >= 3,
        "narrative_master": len(path) >= 10,
        "history_enthusiast": scene.era.strip().casefold() not in _MODERN_ERAS,
        "veteran_player": utcnow() - scene.created_at > timedelta(days=7),
        "story_explorer": completion >= 0.5,
        "social_butterfly": messages >= 10,
    }
    return {
        "story_completion": round(completion, 4),
        "character_interactions": interactions,
        "unlocked_content": [loc.id for loc in snapshot.locations if loc.accessible] if snapshot is not None else [],
        "achievements": [name for name, got in earned.items() if got],
    }
