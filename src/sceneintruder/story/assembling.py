"""StoryData of a playable story as JSON, for `GET /story` and the answer to every move, built from caches.

The whole StoryData is cached per scene (`runtime.views`); when a move has dropped it, it is rebuilt from the
story row, the node order, the tasks and locations (small), and each node's JSON from `runtime.node_views`:
only the nodes the move changed (the new node, the one chosen from) are read and encoded again (on SQLite the
database writes their JSON: `node_json_sql`; elsewhere `encode_node` over column rows). A story still being built
is not cached (its GET waits and names the job); the caller reads it as a snapshot instead.

A choice answers without that rebuild: the cached StoryData keeps what it was assembled from (`StoryLayout`),
and `after_choice` makes the next one from it, the story row and the two nodes the choice wrote, all in hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.jsoncodec import dumps
from sceneintruder.story import node_json_sql, reading
from sceneintruder.story.initialisation import WAITING
from sceneintruder.story.models import Story, StoryChoice, StoryNode
from sceneintruder.story.node_rows import ENCODED_CHOICE_COLUMNS, ENCODED_NODE_COLUMNS, ChoiceRow, NodeRow
from sceneintruder.story.presenters import ORIGINAL_PREVIEW_CHARS, node_view, story_data_view, world_views
from sceneintruder.story.read_cache import NodeJsonCache, OrderRow, StoryJson, StoryLayout
from sceneintruder.story.runtime import StoryRuntime

if TYPE_CHECKING:
    from sceneintruder.scenes.service import Scene

World = tuple[list[Any], list[Any]]  # StoryData's task and location views
_IN_CHUNK = 500  # ids per IN (...) list, well under SQLite's bound-parameter limit


async def playable_story_json(runtime: StoryRuntime, scene_id: str) -> bytes | None:
    """StoryData as JSON, from `runtime.views` or rebuilt and cached there; None while the story is missing or
    still being built."""

    async def build() -> StoryJson | None:
        read_at = runtime.node_views.tick()  # before the read transaction starts (see put_many)
        async with runtime.db.reader() as session:
            return await _story_json(session, scene_id, runtime.node_views, read_at)

    cached = await runtime.views.entries.get_or_load(scene_id, build)
    return cached.payload if cached is not None else None


def cached_layout(runtime: StoryRuntime, scene_id: str) -> StoryLayout | None:
    """What the cached StoryData of the scene was assembled from, if it is cached."""
    cached = runtime.views.entries.get(scene_id)
    return cached.layout if cached is not None else None


def encode_node(node: Any, choices: Sequence[Any]) -> bytes:
    """A node's JSON as StoryData carries it."""
    return dumps(node_view(node, choices, original_limit=ORIGINAL_PREVIEW_CHARS))


async def world_of(session: AsyncSession, scene_id: str) -> World:
    """StoryData's tasks and locations as the session sees them."""
    return world_views(*await reading.load_world(session, scene_id))


def after_choice(
    layout: StoryLayout, story: Story, *, changed: dict[str, bytes], added: OrderRow, world: World | None = None
) -> StoryJson:
    """The StoryData that follows `layout`'s when a move changed only the nodes in `changed` (their new JSON), the
    story row and (`world`, if given) the tasks and locations, and revealed one new node, `added`, at the end (it
    becomes the current node)."""
    order = (*layout.order, added)
    nodes = {**layout.nodes, **changed}
    task_views, location_views = world if world is not None else (layout.task_views, layout.location_views)
    view = story_data_view(
        story,
        nodes=[orjson.Fragment(nodes[row.id]) for row in order],
        current_node_id=added.id,
        task_views=task_views,
        location_views=location_views,
    )
    return StoryJson(dumps(view), StoryLayout(order, nodes, task_views, location_views))


def keep(runtime: StoryRuntime, scene_id: str, story_json: StoryJson, changed: dict[str, bytes]) -> None:
    """Cache what a move just committed. Call it right after the commit, with no await in between: the commit
    has dropped the old entries and nothing else can have committed since."""
    runtime.views.entries.put(scene_id, story_json)
    for node_id, json in changed.items():
        runtime.node_views.entries.put(node_id, json)


async def current_story_data(runtime: StoryRuntime, scene: Scene) -> dict[str, Any] | orjson.Fragment:
    """StoryData after a move: the cached JSON when the story is playable, else built as a dict."""
    payload = await playable_story_json(runtime, scene.id)
    if payload is not None:
        return orjson.Fragment(payload)
    async with runtime.db.reader() as session:
        return await reading.story_data(session, scene)


async def _story_json(session: AsyncSession, scene_id: str, cache: NodeJsonCache, read_at: int) -> StoryJson | None:
    story = await session.get(Story, scene_id)
    if story is None or story.init_status in WAITING:
        return None
    connection = await session.connection()  # Core: no ORM loading for rows of three columns
    order = tuple(map(OrderRow._make, (await connection.execute(_ORDER, {"scene_id": scene_id})).all()))
    cached = dict(zip((row.id for row in order), cache.entries.get_many([row.id for row in order]), strict=True))
    missing = [node_id for node_id, json in cached.items() if json is None]
    if len(missing) == len(order):  # nothing cached (a cold start): the whole story in one query per table
        fresh = await _encode_story_nodes(session, scene_id)
    else:
        fresh = await _encode_nodes(session, missing)
    cache.put_many(fresh, read_at=read_at)
    encoded = {node_id: json for node_id, json in cached.items() if json is not None} | fresh
    task_views, location_views = await world_of(session, scene_id)
    revealed = [row for row in order if row.reveal_seq is not None and not row.abandoned]
    current = max(revealed, key=lambda row: row.reveal_seq or 0, default=None)
    view = story_data_view(
        story,
        nodes=[orjson.Fragment(encoded[row.id]) for row in order],
        current_node_id=current.id if current is not None else None,
        task_views=task_views,
        location_views=location_views,
    )
    return StoryJson(dumps(view), StoryLayout(order, encoded, task_views, location_views))


# The statements of a rebuild after a move, built once (see _state on why).
_ORDER = (
    select(StoryNode.id, StoryNode.reveal_seq, StoryNode.abandoned)
    .where(StoryNode.scene_id == bindparam("scene_id"))
    .order_by(StoryNode.position)
)
_ALL_NODES = select(*ENCODED_NODE_COLUMNS).where(StoryNode.scene_id == bindparam("scene_id"))
_ALL_CHOICES = (
    select(*ENCODED_CHOICE_COLUMNS)
    .join(StoryNode, StoryNode.id == StoryChoice.node_id)
    .where(StoryNode.scene_id == bindparam("scene_id"))
    .order_by(StoryChoice.node_id, StoryChoice.position, StoryChoice.id)
)
_NODES_IN = select(*ENCODED_NODE_COLUMNS).where(StoryNode.id.in_(bindparam("ids", expanding=True)))
_CHOICES_IN = (
    select(*ENCODED_CHOICE_COLUMNS)
    .where(StoryChoice.node_id.in_(bindparam("ids", expanding=True)))
    .order_by(StoryChoice.node_id, StoryChoice.position, StoryChoice.id)
)


async def _encode_story_nodes(session: AsyncSession, scene_id: str) -> dict[str, bytes]:
    """Every node of the story, as `_encode_nodes` does: on SQLite, each node's JSON made by the database
    (`node_json_sql`, one statement); elsewhere in one query for the nodes and one for the choices (column rows
    through the Core connection: no ORM identity work for rows that are only encoded)."""
    connection = await session.connection()
    if node_json_sql.available(connection.dialect.name):
        rows = (await connection.execute(node_json_sql.STORY_NODES_JSON, {"scene_id": scene_id})).all()
        return {node_id: json for node_id, json in rows}
    rows = (await connection.execute(_ALL_NODES, {"scene_id": scene_id})).all()
    nodes = [NodeRow._make(row) for row in rows]
    choices: dict[str, list[Any]] = {node.id: [] for node in nodes}
    for row in (await connection.execute(_ALL_CHOICES, {"scene_id": scene_id})).all():
        choice = ChoiceRow._make(row)
        choices[choice.node_id].append(choice)
    return {node.id: encode_node(node, choices[node.id]) for node in nodes}


async def _encode_nodes(session: AsyncSession, node_ids: list[str]) -> dict[str, bytes]:
    """Each node's JSON as in StoryData (its source passage cut to the preview), with its choices."""
    encoded: dict[str, bytes] = {}
    connection = await session.connection()
    in_database = node_json_sql.available(connection.dialect.name)
    for start in range(0, len(node_ids), _IN_CHUNK):
        chunk = node_ids[start : start + _IN_CHUNK]
        if in_database:
            rows = (await connection.execute(node_json_sql.NODES_JSON_IN, {"ids": chunk})).all()
            encoded.update((node_id, json) for node_id, json in rows)
            continue
        rows = (await connection.execute(_NODES_IN, {"ids": chunk})).all()
        nodes = [NodeRow._make(row) for row in rows]
        choices: dict[str, list[Any]] = {node_id: [] for node_id in chunk}
        for row in (await connection.execute(_CHOICES_IN, {"ids": chunk})).all():
            choice = ChoiceRow._make(row)
            choices[choice.node_id].append(choice)
        for node in nodes:
            encoded[node.id] = encode_node(node, choices[node.id])
    return encoded
