"""A story prompt's context, read as one statement (context.gather_ahead), is what the per-list reads give: the
story's fields, the cast, the path's last texts, the console's last lines, the items, places and tasks, and the
book's next passage; on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from sceneintruder.core.clock import utcnow
from sceneintruder.core.ids import new_id
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.models import ConversationMessage, Scene, SceneItem
from sceneintruder.story import _state, context, graph
from sceneintruder.story._text import clip
from sceneintruder.story.errors import StoryNotFound
from sceneintruder.story.models import Story, StoryLocation, StoryNode, StoryTask
from tests.story.support import create_scene, current_node, excerpt, get_story, settle


async def _seeded(app, client) -> str:
    """A story two choices in, with items (held and not), places and tasks out of id order, and console lines
    (one hidden: a rewound line is not context)."""
    scene_id = await create_scene(client, excerpt(6000))
    await settle(client, scene_id)
    for _ in range(2):
        node = current_node(await get_story(client, scene_id))
        body = {"node_id": node["id"], "choice_id": node["choices"][0]["id"]}
        assert (await client.post(f"/api/scenes/{scene_id}/story/choice", json=body)).status_code == 200
    now = utcnow()
    async with app.state.db.writer() as session:
        for n, (name, owned, source) in enumerate([("Letter", False, ""), ("Fan", True, ""), ("Key", False, "STORY")]):
            session.add(
                SceneItem(
                    id=new_id("item"), scene_id=scene_id, name=name, is_owned=owned, source=source,
                    created_at=now + timedelta(seconds=n),
                )
            )  # fmt: skip
        for position, name, accessible in [(102, "Garden", False), (100, "Hall", True), (101, "Library", True)]:
            session.add(
                StoryLocation(
                    id=new_id("loc"), scene_id=scene_id, position=position, name=name,
                    description=f"the {name.lower()}", accessible=accessible,
                )
            )  # fmt: skip
        for position, title in [(105, "Find the letter"), (101, "Meet Mr Bingley")]:
            session.add(StoryTask(id=new_id("task"), scene_id=scene_id, position=position, title=title))
        for n in range(5):
            await scenes_service.append_message(
                session, scene_id=scene_id, speaker_id="console_story", content=f"line {n} " + "x" * 400,
                conversation_type="story_console", commit=False,
            )  # fmt: skip
        await scenes_service.append_message(
            session, scene_id=scene_id, speaker_id="u", content="not console", conversation_type="story_original",
            commit=False,
        )  # fmt: skip
        await session.commit()
    return scene_id


async def test_the_one_statement_context_equals_the_per_list_reads(app, client) -> None:
    scene_id = await _seeded(app, client)
    engine = app.state.db.engine.sync_engine
    statements: list[str] = []

    async with app.state.db.reader() as session:
        scene = await session.get(Scene, scene_id)
        ours = (await session.connection()).sync_connection

        def seen(conn, _cursor, statement, *_args) -> None:
            if conn is ours:  # the usage log's writes, flushed in the background, are not this read's
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", seen)
        try:
            ctx, source = await context.gather_ahead(session, scene)
            plain = await context.gather(session, scene)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert len(statements) == 2  # one each
        story = await session.get(Story, scene_id)
        characters = await scenes_service.list_characters(session, scene_id=scene_id)
        profiles = [c.model_dump(include=set(context.PROFILE_FIELDS)) for c in characters[: context.CAST_SIZE]]
        items = await scenes_service.item_names(session, scene_id=scene_id)
        console = (
            await session.scalars(
                select(ConversationMessage.content)
                .where(
                    ConversationMessage.scene_id == scene_id,
                    ConversationMessage.conversation_type == "story_console",
                    ConversationMessage.active.is_(True),
                    ConversationMessage.hidden.is_(False),
                )
                .order_by(ConversationMessage.seq.desc())
                .limit(context.EVENTS)
            )
        ).all()[::-1]
        rows = await _state.graph_rows(session, scene_id)
        path = graph.active_path(rows)[-_state.RECENT_NODES :]
        nodes = {n.id: n for n in (await session.scalars(select(StoryNode).where(StoryNode.scene_id == scene_id)))}
        recent = [nodes[row.id].content or nodes[row.id].original_content or "" for row in path]
        ahead = graph.next_source_node(rows)
        by_position = (StoryLocation.position, StoryLocation.id)
        of_scene = StoryLocation.scene_id == scene_id
        places = (await session.scalars(select(StoryLocation).where(of_scene).order_by(*by_position))).all()
        titles = (
            await session.scalars(
                select(StoryTask.title).where(StoryTask.scene_id == scene_id).order_by(StoryTask.position, StoryTask.id)
            )
        ).all()

    assert plain == ctx
    assert ahead is not None and source.has_book
    assert (source.node_id, source.segment_index, source.text) == (
        ahead.id,
        ahead.segment_index,
        nodes[ahead.id].original_content,
    )
    assert (ctx.language, ctx.summary, ctx.progress, ctx.state) == (
        story.language,
        story.rolling_summary,
        story.progress,
        story.current_state,
    )
    assert ctx.profiles == profiles and len(profiles) > 1
    assert ctx.cast == [{k: p[k] for k in ("id", "name", "role", "aliases")} for p in profiles]
    assert ctx.items == items
    assert [i.name for i in items[-3:]] == ["Letter", "Fan", "Key"] and ctx.held_items[-2:] == ["Fan", "Key"]
    assert ctx.events == [clip(content, context.EVENT_CHARS) for content in console]
    assert [e[:6] for e in ctx.events] == ["line 2", "line 3", "line 4"]
    assert ctx.recent == [clip(t, context.RECENT_CHARS) for t in recent] and len(recent) == 2
    assert ctx.known_locations == [p.name for p in places] and ctx.known_locations[-3:] == ["Hall", "Library", "Garden"]
    garden = {"id": places[-1].id, "name": "Garden", "description": "the garden", "accessible": False}
    assert ctx.locations[-1] == garden
    assert [(p.id, p.name, p.accessible) for p in ctx.places] == [(p.id, p.name, p.accessible) for p in places]
    assert ctx.known_tasks[-2:] == ["Meet Mr Bingley", "Find the letter"] and ctx.known_tasks == list(titles)


async def test_a_scene_without_a_story_has_the_scene_s_context_and_no_next_passage(app, client) -> None:
    shell = await client.post("/api/scenes/shell", json={"title": "Empty"})
    assert shell.status_code in (200, 201), shell.text
    scene_id = shell.json()["data"]["id"]
    async with app.state.db.reader() as session:
        scene = await session.get(Scene, scene_id)
        ctx = await context.gather(session, scene)
        with pytest.raises(StoryNotFound):
            await context.gather_ahead(session, scene)
    assert (ctx.language, ctx.summary, ctx.progress, ctx.state) == (scene.language, "", 0, "")
    assert ctx.cast == [] and ctx.recent == [] and ctx.items == []
