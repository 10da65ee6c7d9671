"""Storing what a model's answer brings into the story: a new node with its choices, and the task, place and
object it introduced. Shared by choices and exploration; runs inside the caller's transaction (no commit).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.ids import new_id, new_numbered_id
from sceneintruder.db.base import unsaved
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.schemas import ItemRead, ItemWrite
from sceneintruder.scenes.service import ItemName
from sceneintruder.story import _state
from sceneintruder.story._text import clip
from sceneintruder.story.llm_schemas import ItemDraft, LocationDraft, TaskDraft
from sceneintruder.story.models import Story, StoryChoice, StoryLocation, StoryNode, StoryObjective, StoryTask


def generated_by(made_by: Provenance) -> str:
    """A node's `content_source`, or a choice's `source`, for what a call produced: `llm`, or `offline` when the
    offline provider computed it (it is never passed off as a model's)."""
    return "offline" if made_by.offline else "llm"


async def add_node(
    session: AsyncSession,
    story: Story,
    *,
    parent_id: str | None,
    node_type: str,
    content: str,
    source: str,
    meta: dict[str, Any],
    made_by: Provenance,
    now: datetime,
) -> StoryNode:
    """A generated node at the end of the current path (it becomes the current node), labelled with who made it."""
    position = await _state.next_position(session, story.scene_id)
    log_seq = await scenes_service.last_message_seq(session, scene_id=story.scene_id)
    node = revealed_node(
        story,
        position=position,
        log_seq=log_seq,
        parent_id=parent_id,
        node_type=node_type,
        content=content,
        source=source,
        meta=meta,
        made_by=made_by,
        now=now,
    )
    story.reveal_counter = node.reveal_seq or 0
    session.add(node)
    await session.flush()  # the choices a caller adds next refer to it
    return node


def revealed_node(
    story: Story,
    *,
    position: int,
    log_seq: int,
    parent_id: str | None,
    node_type: str,
    content: str,
    source: str,
    meta: dict[str, Any],
    made_by: Provenance,
    now: datetime,
) -> StoryNode:
    """A generated node built whole in memory, revealed as the story's next (`story.reveal_counter + 1`; `log_seq`
    marks where the message log stood, see `_state.reveal`), so that it is inserted in one statement."""
    return unsaved(
        StoryNode,
        dict(
            id=new_numbered_id("node", position + 1),
            scene_id=story.scene_id,
            parent_id=parent_id,
            position=position,
            segment_index=None,
            type=node_type,
            content=content,
            original_content="",
            content_source=generated_by(made_by),
            source=source,
            abandoned=False,
            reveal_seq=story.reveal_counter + 1,
            revealed_at=now,
            related_item_ids=[],
            meta={**meta, **made_by.wire(), "log_seq": log_seq},
            created_at=now,
            updated_at=now,
        ),
    )


def new_choices(
    node_id: str,
    drafts: Sequence[Any],
    *,
    made_by: Provenance,
    now: datetime,
    source: str | None = None,
    start: int = 0,
) -> list[StoryChoice]:
    """Choices from drafts with `text`, `consequence` and (optionally) `next_node_hint`/`next_hint`, `type`,
    `impact` (0-1). `source` defaults to who made them (`llm` or `offline`); the labels go in their metadata.
    Not added to any session: the caller adds them (`session.add_all`) or inserts them itself (a choice's store)."""
    choices = []
    for offset, draft in enumerate(drafts):
        choice = unsaved(
            StoryChoice,
            dict(
                id=new_id("choice"),
                node_id=node_id,
                position=start + offset,
                text=draft.text,
                consequence=draft.consequence,
                next_node_hint=getattr(draft, "next_node_hint", "") or getattr(draft, "next_hint", ""),
                type=getattr(draft, "type", "") or "action",
                impact=float(getattr(draft, "impact", 0.0) or 0.0),
                description="",
                source=source or generated_by(made_by),
                selected=False,
                meta=made_by.wire(),
                created_at=now,
            ),
        )
        choices.append(choice)
    return choices


async def add_task(session: AsyncSession, story: Story, draft: TaskDraft, *, source: str, now: datetime) -> StoryTask:
    count = len((await session.scalars(select(StoryTask.id).where(StoryTask.scene_id == story.scene_id))).all())
    task = StoryTask(
        id=new_id("task"),
        scene_id=story.scene_id,
        position=count,
        title=clip(draft.title, 300),
        description=draft.description,
        reward=draft.reward,
        type="side",
        priority="normal",
        status="active",
        is_revealed=True,
        source=source,
        meta={},
        created_at=now,
    )
    session.add(task)
    await session.flush()  # objectives refer to it (no ORM relationship orders the inserts)
    for position, objective in enumerate(draft.objectives or [draft.title]):
        session.add(StoryObjective(id=new_id("obj"), task_id=task.id, position=position, description=objective))
    return task


async def add_location(
    session: AsyncSession, story: Story, draft: LocationDraft, *, source: str, now: datetime
) -> StoryLocation:
    count = len((await session.scalars(select(StoryLocation.id).where(StoryLocation.scene_id == story.scene_id))).all())
    location = StoryLocation(
        id=new_id("loc"),
        scene_id=story.scene_id,
        position=count,
        name=clip(draft.name, 200),
        description=draft.description,
        accessible=draft.accessible,
        requires_item="",
        source=source,
        created_at=now,
    )
    session.add(location)
    return location


async def add_item(
    session: AsyncSession, story: Story, draft: ItemDraft, *, source: str, location: str = ""
) -> ItemRead:
    """An object the player now holds, stored with the scene's items in the same transaction."""
    data = ItemWrite(
        name=clip(draft.name, 200),
        description=draft.description[:20_000],
        type=clip(draft.type, 50),
        location=clip(location, 200),
        is_owned=True,
        source=source,
    )
    return await scenes_service.add_item_in_transaction(session, scene_id=story.scene_id, data=data)


class Place(Protocol):
    """A story location as `related_to` reads it (a row, or a reference the prompt's context kept)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def accessible(self) -> bool: ...


def related_to(text: str, items: Sequence[ItemName], places: Sequence[Place]) -> tuple[list[str], Place | None]:
    """The items a node's text names (the scene's first, then the player's), and the first place it names."""
    folded = text.casefold()
    named = [
        item.id
        for item in (*(i for i in items if not i.owned), *(i for i in items if i.owned))
        if len(item.name) > 1 and item.name.casefold() in folded
    ]
    here = next((place for place in places if len(place.name) > 1 and place.name.casefold() in folded), None)
    return named, here


def place_node(node: StoryNode, item_ids: list[str], here: Place | None) -> None:
    """Set what `related_to` found on the node (its items, and the place it happens in)."""
    node.related_item_ids = item_ids
    if here is not None:
        node.meta = {**(node.meta or {}), "current_location_id": here.id, "current_location_name": here.name}


async def relate(session: AsyncSession, node: StoryNode) -> None:
    """Link the node to the scene's items its text names, and to the place it happens in (which opens up)."""
    items = await scenes_service.item_names(session, scene_id=node.scene_id)
    locations = (await session.scalars(select(StoryLocation).where(StoryLocation.scene_id == node.scene_id))).all()
    item_ids, here = related_to(node.content, items, locations)
    place_node(node, item_ids, here)
    if isinstance(here, StoryLocation):
        here.accessible = True
