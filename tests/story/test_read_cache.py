"""GET /story is served from a per-scene cache that every committed story change drops, whatever made it."""

from __future__ import annotations

import orjson
from sqlalchemy import event, select, update

from sceneintruder.core.jsoncodec import dumps
from sceneintruder.scenes.models import Scene
from sceneintruder.story import reading
from sceneintruder.story.models import StoryChoice, StoryNode, StoryObjective
from tests.story.support import create_scene, excerpt, get_story, settle
from tests.support.state import story_of


async def _cached_story(app, client) -> tuple[str, dict]:
    scene_id = await create_scene(client, excerpt(3000))
    await settle(client, scene_id)
    story = await get_story(client, scene_id)
    assert story_of(app).views.entries.get(scene_id) is not None  # the read above was cached
    return scene_id, story


async def test_moves_through_the_api_are_seen_by_the_next_read(app, client) -> None:
    scene_id, story = await _cached_story(app, client)
    advanced = (await client.post(f"/api/scenes/{scene_id}/story/advance")).json()["data"]
    assert (await get_story(client, scene_id))["current_node_id"] == advanced["story_data"]["current_node_id"]
    assert advanced["story_data"]["current_node_id"] != story["current_node_id"]
    task = story["tasks"][0]
    objective = task["objectives"][0]["id"]
    await client.post(f"/api/scenes/{scene_id}/story/tasks/{task['id']}/objectives/{objective}/complete")
    assert (await get_story(client, scene_id))["tasks"][0]["objectives"][0]["completed"] is True


async def test_a_choice_changed_without_its_node_loaded_drops_the_cache(app, client) -> None:
    scene_id, story = await _cached_story(app, client)
    choice_id = story["nodes"][0]["choices"][0]["id"]
    async with app.state.db.writer() as session:  # the node is not in this session: its scene is unknown
        choice = await session.scalar(select(StoryChoice).where(StoryChoice.id == choice_id))
        choice.text = "A different way out"
        await session.commit()
    reread = await get_story(client, scene_id)
    assert reread["nodes"][0]["choices"][0]["text"] == "A different way out"


async def test_an_objective_changed_without_its_task_loaded_drops_the_cache(app, client) -> None:
    scene_id, story = await _cached_story(app, client)
    objective_id = story["tasks"][0]["objectives"][-1]["id"]
    async with app.state.db.writer() as session:
        objective = await session.scalar(select(StoryObjective).where(StoryObjective.id == objective_id))
        objective.description = "Find the letter"
        await session.commit()
    assert (await get_story(client, scene_id))["tasks"][0]["objectives"][-1]["description"] == "Find the letter"


async def test_a_bulk_update_and_a_rollback(app, client) -> None:
    scene_id, story = await _cached_story(app, client)
    async with app.state.db.writer() as session:
        await session.execute(update(StoryNode).where(StoryNode.scene_id == scene_id).values(type="side"))
        await session.rollback()
    assert story_of(app).views.entries.get(scene_id) is not None  # nothing committed: still cached
    assert {node["type"] for node in (await get_story(client, scene_id))["nodes"]} == {
        node["type"] for node in story["nodes"]
    }
    async with app.state.db.writer() as session:
        await session.execute(update(StoryNode).where(StoryNode.scene_id == scene_id).values(type="side"))
        await session.commit()
    assert {node["type"] for node in (await get_story(client, scene_id))["nodes"]} == {"side"}


async def test_rebuilt_story_data_equals_a_fresh_reading_after_every_move(app, client) -> None:
    """Every move drops the whole StoryData and the JSON of the nodes it changed; what is rebuilt from the node
    cache must be exactly what reading everything afresh gives."""
    scene_id, _ = await _cached_story(app, client)
    runtime = story_of(app)
    base = f"/api/scenes/{scene_id}/story"

    async def fresh() -> dict:
        async with app.state.db.reader() as session:
            scene = await session.get(Scene, scene_id)
            return orjson.loads(dumps(await reading.story_data(session, scene)))

    moves = [
        ("advance", None),
        ("choice", None),
        ("command", {"input": "I look around", "mode": "story"}),
        ("choice", None),
    ]
    for move, body in moves:
        story = await get_story(client, scene_id)
        if move == "choice":
            node = next(n for n in story["nodes"] if n["id"] == story["current_node_id"])
            open_choice = next(c for c in node["choices"] if not c["selected"])
            body = {"node_id": node["id"], "choice_id": open_choice["id"]}
        response = await client.post(f"{base}/{move}", json=body)
        assert response.status_code == 200, response.text
        assert len(runtime.node_views.entries) > 0
        assert await get_story(client, scene_id) == await fresh(), move


async def test_a_story_read_with_nothing_cached_equals_a_fresh_reading(app, client) -> None:
    """The cold path (every node and choice in one query per table, timestamps formatted by the database, rows
    read as named tuples) gives the same StoryData, byte for byte once parsed, as the plain reading, after moves
    that selected choices, added nodes and set metadata."""
    scene_id, _ = await _cached_story(app, client)
    runtime = story_of(app)
    base = f"/api/scenes/{scene_id}/story"
    for move in ("advance", "choice", "choice"):
        story = await get_story(client, scene_id)
        body = None
        if move == "choice":
            node = next(n for n in story["nodes"] if n["id"] == story["current_node_id"])
            open_choice = next(c for c in node["choices"] if not c["selected"])
            body = {"node_id": node["id"], "choice_id": open_choice["id"]}
        assert (await client.post(f"{base}/{move}", json=body)).status_code == 200
    runtime.views.entries.clear()
    runtime.node_views.entries.clear()
    cold = await get_story(client, scene_id)
    async with app.state.db.reader() as session:
        scene = await session.get(Scene, scene_id)
        fresh = orjson.loads(dumps(await reading.story_data(session, scene)))
    assert cold == fresh
    assert any(c["selected"] for n in cold["nodes"] for c in n["choices"])  # the moves are in it
    assert all(n["created_at"].endswith("+00:00") and "T" in n["created_at"] for n in cold["nodes"])


async def test_a_choice_answers_with_the_story_it_wrote_without_reading_the_story_again(app, client) -> None:
    """A choice made on a cached story answers with StoryData made from the cached one, the story row and the
    two nodes it wrote (`assembling.after_choice`): no statement reads the story's node order, and what it
    answers is exactly what reading everything afresh gives, and what the next GET serves."""
    scene_id, _ = await _cached_story(app, client)
    base = f"/api/scenes/{scene_id}/story"
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    async def fresh() -> dict:
        async with app.state.db.reader() as session:
            scene = await session.get(Scene, scene_id)
            return orjson.loads(dumps(await reading.story_data(session, scene)))

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for _ in range(3):
            story = await get_story(client, scene_id)  # cached again after the previous move
            node = next(n for n in story["nodes"] if n["id"] == story["current_node_id"])
            body = {"node_id": node["id"], "choice_id": node["choices"][0]["id"]}
            statements.clear()
            response = await client.post(f"{base}/choice", json=body)
            assert response.status_code == 200, response.text
            answered = response.json()["data"]["story_data"]
            order_reads = [
                s
                for s in statements
                if s.startswith("SELECT story_node.id, story_node.reveal_seq, story_node.abandoned")
            ]
            assert order_reads == [], "the answer was rebuilt from the database"
            assert answered == await fresh()
            assert answered["current_node_id"] == response.json()["data"]["next_node"]["id"]
            assert await get_story(client, scene_id) == answered
    finally:
        event.remove(engine, "before_cursor_execute", seen)


async def test_a_choice_keeps_its_answer_while_other_stories_move(app, client, monkeypatch) -> None:
    """Between a choice's claim and its store (the model's time) another story moves: that does not make this
    choice rebuild its StoryData from the database; only a change to its own story would."""
    from sceneintruder.story import choosing

    scene_id, _ = await _cached_story(app, client)
    other_id, _ = await _cached_story(app, client)
    real_store = choosing._store

    async def store_after_another_move(*args, **kwargs):
        if args[1].id == other_id:  # the other story's own move
            return await real_store(*args, **kwargs)
        other = await get_story(client, other_id)
        node = next(n for n in other["nodes"] if n["id"] == other["current_node_id"])
        moved = await client.post(
            f"/api/scenes/{other_id}/story/choice",
            json={"node_id": node["id"], "choice_id": node["choices"][0]["id"]},
        )
        assert moved.status_code == 200, moved.text
        statements.clear()
        return await real_store(*args, **kwargs)

    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    monkeypatch.setattr(choosing, "_store", store_after_another_move)
    story = await get_story(client, scene_id)
    node = next(n for n in story["nodes"] if n["id"] == story["current_node_id"])
    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = await client.post(
            f"/api/scenes/{scene_id}/story/choice", json={"node_id": node["id"], "choice_id": node["choices"][0]["id"]}
        )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 200, response.text
    assert not [s for s in statements if s.startswith("SELECT story_node.id, story_node.reveal_seq")]
    assert response.json()["data"]["story_data"] == await get_story(client, scene_id)
