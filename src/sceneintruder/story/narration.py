"""Narrating passages in the background: the LLM retells each source passage near the player as a node, with
choices grounded in it (spec §6.2 item 9).

The reference snapshotted the story, called the LLM for each node and saved the whole snapshot without the
lock, erasing every choice, rewind or exploration made meanwhile (spec B5). Here each narration is written on
its own, under the scene's lock, only onto a node nobody has touched since it was built: the node still has
its template content, and its choices are the template's, none selected. A node the player has reached (or
chose from) keeps its choices, whose ids a client may be holding (the narration's are dropped); a node removed
meanwhile is skipped. The model call itself holds
neither the lock nor a session.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from sceneintruder.core.clock import utcnow
from sceneintruder.core.ids import new_id
from sceneintruder.providers.errors import ProviderError
from sceneintruder.providers.llm.base import Sampling
from sceneintruder.providers.llm.client import CallInfo
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.errors import SceneNotFound
from sceneintruder.story import _outcome, _state, broadcast, context, prompts
from sceneintruder.story._steps import finish_first
from sceneintruder.story.errors import StoryNotFound
from sceneintruder.story.llm_schemas import TASK_STORY_SEGMENT, SegmentNarration
from sceneintruder.story.models import Story, StoryChoice, StoryNode
from sceneintruder.story.runtime import StoryRuntime

if TYPE_CHECKING:
    from sceneintruder.story.context import StoryContext

log = logging.getLogger("sceneintruder.story")

NARRATED_TYPES = frozenset({"main", "side", "branch", "event", "continuation"})
SYSTEM_USER = "system"  # who `story:updated` names for changes nobody asked for


@dataclass(frozen=True)
class Passage:
    node_id: str
    text: str
    index: int
    node_type: str


async def ahead(runtime: StoryRuntime, scene_id: str, *, skip: set[str]) -> tuple[Passage | None, int]:
    """The first passage not narrated yet within `narrate_ahead` passages of the furthest one the player reached,
    and how many such passages there are."""
    async with runtime.db.reader() as session:
        reached = await session.scalar(  # the furthest passage told: revealed, or told by a written node
            select(func.max(func.coalesce(StoryNode.segment_index, StoryNode.covers_segment))).where(
                StoryNode.scene_id == scene_id,
                StoryNode.reveal_seq.is_not(None),
                StoryNode.abandoned.is_(False),
            )
        )
        start = reached or 0
        rows = (
            await session.execute(
                select(StoryNode.id, StoryNode.original_content, StoryNode.segment_index, StoryNode.type)
                .where(
                    StoryNode.scene_id == scene_id,
                    StoryNode.content_source == "template",
                    StoryNode.segment_index >= start,
                    StoryNode.segment_index < start + runtime.narrate_ahead,
                )
                .order_by(StoryNode.segment_index)
            )
        ).all()
    todo = [row for row in rows if row.id not in skip]
    if not todo:
        return None, 0
    first = todo[0]
    return Passage(first.id, first.original_content, first.segment_index, first.type), len(todo)


async def total_passages(runtime: StoryRuntime, scene_id: str) -> int:
    async with runtime.db.reader() as session:
        rows = await _state.graph_rows(session, scene_id)
    return sum(1 for row in rows if row.segment_index is not None)


async def load_context(runtime: StoryRuntime, scene_id: str) -> StoryContext | None:
    async with runtime.db.reader() as session:
        try:
            scene = await scenes_service.find_scene(session, scene_id=scene_id)
        except SceneNotFound:
            return None
        try:
            return (await context.gather_ahead(session, scene))[0]
        except StoryNotFound:
            return None


async def narrate(
    runtime: StoryRuntime,
    scene_id: str,
    passage: Passage,
    story_context: StoryContext,
    *,
    total: int,
    call: CallInfo,
) -> bool:
    """Narrate one passage and store it if its node is still untouched. ServiceNotReady propagates (no model:
    nothing more to narrate); a provider failure leaves the node as it is and returns False."""
    prompt = prompts.segment(
        story_context, passage=passage.text, index=passage.index, total=total, node_type=passage.node_type
    )
    try:
        result = await runtime.llm.complete_structured(
            task=TASK_STORY_SEGMENT,
            schema=SegmentNarration,
            messages=prompt.messages,
            inputs=prompt.inputs,
            call=call,
            sampling=Sampling(temperature=0.7),
        )
    except ProviderError as exc:
        log.warning("story %s: narrating passage %d failed: %r", scene_id, passage.index, exc)
        return False
    if not result.value.content.strip():
        return False
    made_by = Provenance.of(result.completion)
    return await finish_first(_store(runtime, scene_id, passage.node_id, result.value, made_by))


async def _store(
    runtime: StoryRuntime, scene_id: str, node_id: str, narration: SegmentNarration, made_by: Provenance
) -> bool:
    async with runtime.locks.hold(scene_id), runtime.db.writer() as session:
        node = await session.get(StoryNode, node_id)
        if node is None or node.content_source != "template":
            return False
        now = utcnow()
        node.content = narration.content
        node.content_source = _outcome.generated_by(made_by)
        if narration.type in NARRATED_TYPES:
            node.type = narration.type
        node.meta = {
            **(node.meta or {}),
            "pending_analysis": False,
            "analyzed": True,
            "segment_enhanced": True,
            **made_by.wire(),
        }
        node.updated_at = now
        choices = await _state.node_choices(session, node.id)
        untouched = all(choice.source == "system" and not choice.selected for choice in choices)
        unseen = node.reveal_seq is None  # a revealed node's choices may be on a screen: their ids must hold
        if untouched and unseen and narration.choices:
            for choice in choices:
                await session.delete(choice)
            for position, draft in enumerate(narration.choices):
                session.add(
                    StoryChoice(
                        id=new_id("choice"),
                        node_id=node.id,
                        position=position,
                        text=draft.text,
                        consequence=draft.consequence,
                        next_node_hint=draft.next_node_hint,
                        type="action",
                        impact=0.5,
                        source=_outcome.generated_by(made_by),
                        meta=made_by.wire(),
                        created_at=now,
                    )
                )
        story = await session.get(Story, scene_id)
        on_path = node.reveal_seq is not None and not node.abandoned
        if story is not None and on_path:
            await _state.refresh(session, story, now)
        await session.commit()
    if story is not None and on_path:  # the player is looking at it: tell the room to re-read
        await broadcast.updated(
            runtime.hub, story, reason="narrated", user_id=SYSTEM_USER, current_node_id=None, node_ids=[node.id]
        )
    return True
