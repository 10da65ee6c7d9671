"""The first step of a story's initialisation: every segment of the source text becomes a node, in one
transaction (the reference kept only the first 12, spec B33).

Passage nodes chain in book order (each the child of the previous). Until the LLM narrates one, a node shows
its source passage (`content` empty, `content_source="template"`) and offers two plain choices in the scene's
language. The first passage is revealed. The story also gets its intro and objective, a first task (meet the
leading characters, reach the end) and the scene's locations (the first one open).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.clock import utcnow
from sceneintruder.core.ids import new_id, new_numbered_id
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.errors import SceneNotFound
from sceneintruder.story import _defaults
from sceneintruder.story._state import refresh
from sceneintruder.story.models import Story, StoryChoice, StoryLocation, StoryNode, StoryObjective, StoryTask

SEGMENT_STRATEGY = "natural_split"


async def build_nodes(session: AsyncSession, story: Story) -> int:
    """Create the nodes, first task and locations of a `pending` story (a shell scene gets no nodes, only the
    rest). Idempotent: a story past `pending` is left as it is. Returns the number of nodes. The caller holds
    the scene's lock, moves the story on from `pending` and commits."""
    scene_id = story.scene_id
    if story.init_status != "pending":
        count = await session.scalar(select(func.count()).select_from(StoryNode).where(StoryNode.scene_id == scene_id))
        return int(count or 0)
    try:
        scene = await scenes_service.find_scene(session, scene_id=scene_id)
    except SceneNotFound:
        return 0
    segments = await scenes_service.list_segments(session, scene_id=scene_id)
    characters = await scenes_service.list_characters(session, scene_id=scene_id)
    now = utcnow()
    language = _defaults.lang(story.language)
    log_seq = await scenes_service.last_message_seq(session, scene_id=scene_id)
    ids = [new_numbered_id("node", index + 1) for index in range(len(segments))]
    nodes: list[dict[str, Any]] = [
        {
            "id": ids[index],
            "scene_id": scene_id,
            "parent_id": ids[index - 1] if index else None,
            "position": index,
            "segment_index": segment.index,
            "type": _defaults.passage_type(index, len(segments)),
            "content": "",
            "original_content": segment.original_text,
            "content_source": "template",
            "source": "SYSTEM",
            "reveal_seq": 1 if index == 0 else None,
            "abandoned": False,
            "related_item_ids": [],
            "meta": {
                "segment_strategy": SEGMENT_STRATEGY,
                "original_segment_index": segment.index,
                "original_segment_title": segment.title,
                "pending_analysis": True,
                **({"log_seq": log_seq} if index == 0 else {}),
            },
            "created_at": now,
            "revealed_at": now if index == 0 else None,
            "updated_at": now,
        }
        for index, segment in enumerate(segments)
    ]
    choices: list[dict[str, Any]] = [
        {
            "id": new_id("choice"),
            "node_id": node_id,
            "position": position,
            "text": text,
            "consequence": consequence,
            "next_node_hint": hint,
            "next_node_id": None,
            "selected": False,
            "selected_at": None,
            "type": "action",
            "impact": 0.5,
            "description": "",
            "source": "system",
            "meta": {},
            "created_at": now,
        }
        for node_id in ids
        for position, (text, consequence, hint) in enumerate(_defaults.PASSAGE_CHOICES[language])
    ]
    if nodes:
        await session.execute(insert(StoryNode), nodes)
        await session.execute(insert(StoryChoice), choices)
    story.reveal_counter = 1 if nodes else 0
    story.intro = _defaults.intro(scene.title, scene.description, language)
    story.main_objective = _defaults.main_objective(scene.title, scene.summary, language)
    await _add_task(session, story, [character.name for character in characters], scene.title, now)
    for position, location in enumerate(scene.locations or []):
        name = str(location.get("name") or "").strip()
        if name:
            session.add(
                StoryLocation(
                    id=new_id("loc"),
                    scene_id=scene_id,
                    position=position,
                    name=name[:200],
                    description=str(location.get("description") or ""),
                    accessible=position == 0,
                    requires_item="",
                    source="SYSTEM",
                    created_at=now,
                )
            )
    await refresh(session, story, now)
    return len(nodes)


async def _add_task(session: AsyncSession, story: Story, characters: list[str], title: str, now: datetime) -> None:
    template = _defaults.first_task(title, characters, story.language)
    task = StoryTask(
        id=new_id("task"),
        scene_id=story.scene_id,
        position=0,
        title=template.title[:300],
        description=template.description,
        reward=template.reward,
        type="main",
        priority="high",
        status="active",
        is_revealed=True,
        source="SYSTEM",
        meta={},
        created_at=now,
    )
    session.add(task)
    await session.flush()  # objectives refer to it (no ORM relationship orders the inserts)
    for position, description in enumerate(template.objectives):
        session.add(
            StoryObjective(
                id=new_id("obj"), task_id=task.id, position=position, description=description, completed=False
            )
        )
