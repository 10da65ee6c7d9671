"""`POST /story/choice` (and the WebSocket `story_choice`): the player takes a choice; the model writes what
follows; the new node becomes the current one.

Three short steps, the model call outside both the scene's lock and any transaction:

1. Claim (locked transaction): the node must be on the current path and no decision may be taken there yet,
   neither stored (a choice whose node is on the path) nor running (selected, no node yet). The choice is
   marked selected and committed, so of concurrent choices on one node exactly one gets past this point; the
   others get 409 CHOICE_ALREADY_MADE. The prompt's context and the book's next passage are the ones the
   previous choice's store kept (`context_cache`; most of the time), else read in the same transaction, as one
   statement (`context.gather_ahead`: seven lists and the story's fields, which took eight to ten statements,
   1 ms of SQLAlchemy's per-statement Python, as separate reads); then the node's choices,
   with the node's place on the path and that of any node a choice led to (one statement), and the claim is
   written (one UPDATE).
2. The model writes the next node (story_next_node).
3. Store (locked transaction): the node, its choices, the task/place/object it brought; the choice's
   `next_node_id` is set (the reference never set it). If the model failed, the claim is undone instead, so
   the choice can be taken again; if a rewind went past the node meanwhile, the claim is undone and 409.
   One statement reads the story row, its marks, the path's state (the counts progress is made of, the last
   passage told on it, its last texts), the node and its choices. In one process, when nothing changed the
   scene since, nothing is read: the rest is what the previous store kept (`context_cache`) and the node and its
   choices are as the claim's commit left them (checked again once the first write has begun the transaction;
   if anything did change, the store is done again from a reading); the new node is built whole before it is
   inserted (its items and place matched against those the prompt saw, plus any the step added), so the node,
   its choices, the claim's `next_node_id` and the story row are each written once. Progress, state and the
   rolling summary are computed from the path's state and the new node (`_state.refresh_with_node`), not read
   again after the writes (unless the node tells a passage the path may have told already: then they are). The
   answer's StoryData is made from the cached one the claim took (`assembling.after_choice`), not read again.

The claim's and the store's reads and writes are Core statements on the session's connection (`_writes`); the
story row is read as columns and written by one UPDATE. The ORM's identity map, unit of work and commit
bookkeeping cost more Python than these statements take to run: the claim's read, write and commit took 0.73 ms
through the ORM and take 0.32 ms as Core (in process, back to back; twice both after the idle wait a model call
is). What a task, place or object the model brought adds still goes through the ORM (rare; the session flushes
it before the commit). The read caches learn what the Core writes changed from `_writes.touched`.

Offline, the node tells the book's next passage (`covers_segment`), so choices walk forward through the book
and never tell one passage twice; once every passage is told, a choice leads to the story's ending (ending.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sceneintruder.core.clock import rfc3339, utcnow
from sceneintruder.core.errors import Conflict
from sceneintruder.core.principal import Principal
from sceneintruder.db.commit_cache import Version
from sceneintruder.providers.errors import ProviderBadResponse
from sceneintruder.providers.llm.base import Sampling
from sceneintruder.providers.llm.catalog import BUILTIN
from sceneintruder.providers.llm.client import CallInfo, StructuredResult
from sceneintruder.providers.llm.provenance import Provenance
from sceneintruder.scenes.service import ItemName
from sceneintruder.story import (
    _outcome,
    _state,
    _writes,
    assembling,
    broadcast,
    claim_rows,
    context,
    context_cache,
    ending,
    graph,
    prompts,
)
from sceneintruder.story.errors import ChoiceAlreadyMade, ChoiceInvalid, NodeNotFound
from sceneintruder.story.llm_schemas import TASK_STORY_NEXT_NODE, NextNode
from sceneintruder.story.models import Story, StoryChoice, StoryLocation, StoryNode
from sceneintruder.story.presenters import node_view
from sceneintruder.story.read_cache import OrderRow, StoryLayout
from sceneintruder.story.runtime import StoryRuntime
from sceneintruder.story.schemas import DEFAULT_PREFERENCES, NodeView, UserPreferences

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sceneintruder.scenes.service import Scene
    from sceneintruder.story.context import StoryContext

IN_FLIGHT_EXPIRES = claim_rows.IN_FLIGHT_EXPIRES
OFF_PATH_MESSAGE = "该节点不在当前故事路径上"
REWOUND_MESSAGE = "生成期间故事已被回溯，请重新选择"


@dataclass(frozen=True)
class _Claim:
    node_id: str
    choice_id: str
    choice: dict[str, str]  # text, consequence, next_node_hint of the choice taken


async def make_choice(
    runtime: StoryRuntime,
    *,
    scene: Scene,
    principal: Principal,
    node_id: str,
    choice_id: str,
    preferences: UserPreferences | None = None,
) -> dict[str, Any]:
    """`{next_node, story_data}` after the choice; broadcasts `story:choice_confirmed` and `story:updated`."""
    preferences = preferences or DEFAULT_PREFERENCES
    claim, ahead = await _claim(runtime, scene, node_id, choice_id)
    try:
        offline = runtime.llm.status().provider == BUILTIN
        if ahead.source.node_id is None and ahead.source.has_book and offline:
            next_node, story = await _end(runtime, scene, claim)
            return await _confirmed(runtime, scene, principal, claim, next_node, story)
        prompt = prompts.next_node(
            ahead.context,
            choice=claim.choice,
            next_passage=ahead.source.text,
            creativity=preferences.creativity_level,
            twists=preferences.allow_plot_twists,
        )
        result = await runtime.llm.complete_structured(
            task=TASK_STORY_NEXT_NODE,
            schema=NextNode,
            messages=prompt.messages,
            inputs=prompt.inputs,
            call=CallInfo(TASK_STORY_NEXT_NODE, user_id=principal.user_id),
            sampling=Sampling(temperature=0.8),
        )
        if not result.value.content.strip():
            raise ProviderBadResponse(
                "LLM返回的故事节点为空", provider=result.completion.provider, model=result.completion.model
            )
    except BaseException:
        await asyncio.shield(_release(runtime, scene.id, claim))
        raise
    next_node, story = await _store(runtime, scene, claim, result, ahead)
    return await _confirmed(runtime, scene, principal, claim, next_node, story)


async def _confirmed(
    runtime: StoryRuntime, scene: Scene, principal: Principal, claim: _Claim, next_node: NodeView, story: Story
) -> dict[str, Any]:
    node_id, choice_id = claim.node_id, claim.choice_id
    story_data = await assembling.current_story_data(runtime, scene)
    await broadcast.choice_confirmed(
        runtime.hub, scene.id, node_id=node_id, choice_id=choice_id, next_node=next_node, user_id=principal.user_id
    )
    await broadcast.updated(
        runtime.hub,
        story,
        reason="choice",
        user_id=principal.user_id,
        current_node_id=next_node["id"],
        node_ids=[next_node["id"]],
    )
    return {"next_node": next_node, "story_data": story_data}


@dataclass(frozen=True)
class _Ahead:
    context: StoryContext  # the prompt's bounded context
    source: _state.NextSource  # the book's passage that comes next, if any
    layout: StoryLayout | None  # what the cached StoryData was made of before the claim, if it was cached
    version: Version  # the scene's version in the StoryData cache once the claim committed
    context_version: Version  # its version in the prompt-context cache when the claim took the context
    move: _state.KeptMove | None  # the story as the previous store left it, kept with the context
    rows: claim_rows.NodeRows | None  # the node and its choices as the claim's commit left them (with `move` only)


async def _claim(runtime: StoryRuntime, scene: Scene, node_id: str, choice_id: str) -> tuple[_Claim, _Ahead]:
    async with runtime.locks.hold(scene.id), runtime.db.writer() as session:
        context_version = runtime.contexts.version(scene.id)
        kept = runtime.contexts.kept(scene)  # what the last move made for this one, if nothing changed since
        if kept is None:
            story_context, source = await context.gather_ahead(session, scene)  # StoryNotFound first, as before
        else:
            story_context, source = kept.context, kept.source
        move = kept.move if kept is not None and runtime.sole_process else None
        connection = await session.connection()
        rows, (node_row, choice_rows) = await claim_rows.read(connection, scene.id, node_id)
        choice = next((row for row in rows if row.id == choice_id), None)
        if choice is None:
            raise ChoiceInvalid(details={"node_id": node_id, "choice_id": choice_id})
        if choice.node_reveal_seq is None or choice.node_abandoned:
            raise Conflict(OFF_PATH_MESSAGE, details=node_id)
        now = utcnow()
        taken = claim_rows.decision_taken(rows, now)
        if taken is not None:
            raise ChoiceAlreadyMade(details={"node_id": node_id, "choice_id": taken})
        await _writes.claim(connection, choice_id, now)
        _writes.touched(runtime, session, scene.id, [node_id], context=False)  # a claim changes no prompt
        picked = {"text": choice.text, "consequence": choice.consequence, "next_node_hint": choice.next_node_hint}
        layout = assembling.cached_layout(runtime, scene.id)  # before the commit drops it
        await session.commit()
        rows_after = None
        if move is not None:  # the node and its choices as this commit left them, for the store to start from
            selected = {"selected": True, "selected_at": rfc3339(now), "next_node_id": None}
            rows_after = (node_row, [row._replace(**selected) if row.id == choice_id else row for row in choice_rows])
        version = runtime.views.version(scene.id)
        ahead = _Ahead(story_context, source, layout, version, context_version, move, rows_after)
    return _Claim(node_id, choice_id, picked), ahead


async def _end(runtime: StoryRuntime, scene: Scene, claim: _Claim) -> tuple[NodeView, Story]:
    """The book is told and no model can go past it: the choice leads to the story's ending."""
    async with runtime.locks.hold(scene.id), runtime.db.writer() as session:
        story = await _state.get_story(session, scene.id)
        parent = await session.get(StoryNode, claim.node_id)
        choice = await _still_claimed(session, parent, claim)
        node = await ending.add_ending(session, story, scene, parent)
        node.meta = {**node.meta, "choice_id": choice.id, "from_node_id": claim.node_id}
        choice.next_node_id = node.id
        await session.commit()
        return node_view(node, []), story


async def _release(runtime: StoryRuntime, scene_id: str, claim: _Claim) -> None:
    """Undo a claim whose node was never stored (the model failed, or the request was cancelled)."""
    async with runtime.locks.hold(scene_id), runtime.db.writer() as session:
        choice = await session.get(StoryChoice, claim.choice_id)
        if choice is not None and _state.in_flight(choice):
            choice.selected, choice.selected_at = False, None
            await session.commit()


async def _still_claimed(session: AsyncSession, parent: StoryNode | None, claim: _Claim) -> StoryChoice:
    """The claimed choice, if its node is still on the path; else the claim is undone and 409."""
    choice = await session.get(StoryChoice, claim.choice_id)
    if parent is None:
        raise NodeNotFound(details=claim.node_id)
    if choice is None or not _state.in_flight(choice) or not graph.is_revealed(parent):
        if choice is not None and _state.in_flight(choice):
            choice.selected, choice.selected_at = False, None
            await session.commit()
        raise Conflict(REWOUND_MESSAGE, details=claim.node_id)
    return choice


class _Moved(Exception):
    """Something committed a change to the scene while the store's transaction began: it is done again, reading."""


async def _store(
    runtime: StoryRuntime, scene: Scene, claim: _Claim, result: StructuredResult[NextNode], ahead: _Ahead
) -> tuple[NodeView, Story]:
    """The node the model wrote after the choice. Offline, it tells the next source passage, so the story moves
    on through the book: the next choice or advance goes on from the passage after it."""
    try:
        return await _store_once(runtime, scene, claim, result, ahead, trust_kept=True)
    except _Moved:
        return await _store_once(runtime, scene, claim, result, ahead, trust_kept=False)


def _moved(runtime: StoryRuntime, scene_id: str, ahead: _Ahead) -> bool:
    """Anything committed a change to the scene's story (or what its prompts read) since the claim committed."""
    return (
        runtime.contexts.drops_since(scene_id, ahead.context_version) != 0
        or runtime.views.drops_since(scene_id, ahead.version) != 0
    )


async def _store_once(
    runtime: StoryRuntime,
    scene: Scene,
    claim: _Claim,
    result: StructuredResult[NextNode],
    ahead: _Ahead,
    *,
    trust_kept: bool,
) -> tuple[NodeView, Story]:
    value = result.value
    made_by = Provenance.of(result.completion)
    async with runtime.locks.hold(scene.id), runtime.db.writer() as session:
        # What the store starts from: kept by the previous store and the claim when nothing changed the scene since
        # (one process only: `move` and `rows` are set there alone), else read. Kept whole, nothing is read before
        # the first write begins the transaction: checked again there (`_Moved`).
        read, unread = None, False
        if trust_kept and ahead.move is not None and runtime.contexts.drops_since(scene.id, ahead.context_version) == 0:
            if ahead.rows is not None and not _moved(runtime, scene.id, ahead):
                read, unread = _state.kept_story(ahead.move, *ahead.rows), True
            else:
                _, rows = await claim_rows.read(await session.connection(), scene.id, claim.node_id)
                read = _state.kept_story(ahead.move, *rows)  # the node and its choices as they stand now
                if runtime.contexts.drops_since(scene.id, ahead.context_version) != 0:
                    read = None  # something committed while this transaction began (it waited): read it whole
        if read is None:
            read = await _state.story_and_node(session, scene.id, claim.node_id)
        story, parent, parent_choices = read.story, read.node, read.choices
        if parent is None:
            raise NodeNotFound(details=claim.node_id)
        choice = next((row for row in parent_choices if row.id == claim.choice_id), None)
        if choice is None or not _state.in_flight(choice) or not graph.is_revealed(parent):
            if choice is not None and _state.in_flight(choice):
                await _writes.unclaim(await session.connection(), choice.id)
                _writes.touched(runtime, session, scene.id, [parent.id], context=False)
                await session.commit()
            raise Conflict(REWOUND_MESSAGE, details=claim.node_id)
        now = utcnow()
        with session.no_autoflush:  # reads first; what a step adds (rarely) is flushed by the ORM before commit
            items: list[ItemName] = list(ahead.context.items)
            places: list[_outcome.Place] = list(ahead.context.places)
            if value.new_task is not None:
                await _outcome.add_task(session, story, value.new_task, source="STORY", now=now)
            if value.new_location is not None:
                places.append(
                    await _outcome.add_location(session, story, value.new_location, source="GENERATED", now=now)
                )
            if value.new_item is not None:
                added = await _outcome.add_item(session, story, value.new_item, source="STORY")
                items.append(ItemName(added.id, added.name, owned=True))
        node = _outcome.revealed_node(
            story,
            position=read.next_position,
            log_seq=read.log_seq,
            parent_id=parent.id,
            node_type=value.type,
            content=value.content,
            source="GENERATED",
            meta={"choice_id": choice.id, "from_node_id": parent.id},
            made_by=made_by,
            now=now,
        )
        if made_by.offline and ahead.source.segment_index is not None:
            node.covers_segment = ahead.source.segment_index
            node.meta = {**node.meta, "told_segment_index": ahead.source.segment_index}
        item_ids, here = _outcome.related_to(node.content, items, places)
        _outcome.place_node(node, item_ids, here)
        world_changed = value.new_task is not None or value.new_location is not None
        if here is not None and not here.accessible:
            world_changed = True
            opened = here if isinstance(here, StoryLocation) else await session.get(StoryLocation, here.id)
            if opened is not None:
                opened.accessible = True
        choices = _outcome.new_choices(node.id, value.choices, made_by=made_by, now=now)
        connection = await session.connection()
        await _writes.insert_node(connection, node, choices, led_from=choice.id)
        if unread and _moved(runtime, scene.id, ahead):
            raise _Moved  # this transaction began after that commit: undone, and done again from a reading
        path = _state.refresh_with_node(story, read.path, node, tasks_added=int(value.new_task is not None), now=now)
        if path is None:
            await _state.refresh(session, story, now, reveal_counter=node.reveal_seq)  # read the path again
        await _writes.story_after_move(connection, story)
        _writes.touched(runtime, session, scene.id, [parent.id, node.id], context=True)
        led = [row._replace(next_node_id=node.id) if row.id == choice.id else row for row in parent_choices]
        changed = {
            parent.id: assembling.encode_node(parent, led),
            node.id: assembling.encode_node(node, choices),
        }
        world = await assembling.world_of(session, scene.id) if world_changed and ahead.layout is not None else None
        await session.commit()
        # The answer's StoryData is the one before the claim with these two nodes, this story row and (if the step
        # added a task or a place, or opened one) the world read again, unless something else changed the story
        # meanwhile (the scene was dropped from the cache again, besides by this commit): then it is rebuilt as
        # after any move. Other stories' moves do not count.
        if ahead.layout is not None and runtime.views.drops_since(scene.id, ahead.version) == 1:
            revealed = OrderRow(node.id, node.reveal_seq, False)
            after = assembling.after_choice(ahead.layout, story, changed=changed, added=revealed, world=world)
            assembling.keep(runtime, scene.id, after, changed)
        # Likewise the next choice's prompt context (story.context_cache), when the lists it holds did not change
        # and the node told no passage (the next passage would move).
        told = node.segment_index is not None or node.covers_segment is not None
        if not (world_changed or value.new_item is not None or told) and (
            runtime.contexts.drops_since(scene.id, ahead.context_version) == 1
        ):
            move = _state.KeptMove.after(story, read, path) if path is not None else None
            kept = context_cache.KeptAhead(ahead.context, ahead.source)
            runtime.contexts.entries.put(scene.id, context_cache.after_choice(kept, story, node, move))
        return node_view(node, choices), story
