"""The message log as a tree (scenes.conversations, scenes.message_tree): appends follow the active tip,
alternatives move the active path without deleting anything, choosing a message restores its whole branch,
and a branch's history is walked through parents."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from sceneintruder.core.errors import ResourceNotFound
from sceneintruder.scenes import prompt_rows
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.models import ConversationMessage, Scene
from sceneintruder.scenes.schemas import SceneShellCreate
from sceneintruder.story import context
from tests.support.builders import make_user


@pytest.fixture
async def scene_id(app) -> str:
    await make_user(app, "alice")
    async with app.state.db.writer() as session:
        scene = await scenes_service.create_shell(session, owner_id="alice", data=SceneShellCreate(title="Tree"))
    return scene.id


async def _chain(app, scene_id: str, *contents: str) -> list[str]:
    ids = []
    async with app.state.db.writer() as session:
        for content in contents:
            message = await scenes_service.append_message(
                session, scene_id=scene_id, speaker_id="user", content=content
            )
            ids.append(message.id)
    return ids


async def _active(app, scene_id: str) -> list[str]:
    async with app.state.db.reader() as session:
        messages, _ = await scenes_service.list_conversations(session, scene_id=scene_id, limit=100, page=1)
    return [m.content for m in messages]


async def _alternative(app, scene_id: str, of_id: str, content: str) -> str:
    async with app.state.db.writer() as session:
        of = await scenes_service.get_message(session, scene_id=scene_id, message_id=of_id)
        read = await scenes_service.add_alternative(session, of=of, speaker_id="user", content=content, user_id=None)
    return read.id


async def test_appends_follow_the_active_tip(app, scene_id) -> None:
    a, b, c = await _chain(app, scene_id, "a", "b", "c")
    async with app.state.db.writer() as session:
        reply = await scenes_service.append_message(
            session, scene_id=scene_id, speaker_id="x", content="to a", parent_id=a, follow_tip=False
        )
        root = await scenes_service.append_message(
            session, scene_id=scene_id, speaker_id="x", content="root", follow_tip=False
        )
        nodes = [await scenes_service.get_message(session, scene_id=scene_id, message_id=i) for i in (a, b, c)]
    assert [n.parent_id for n in nodes] == [None, a, b]
    assert reply.parent_id == a and root.parent_id is None


async def test_an_alternative_moves_the_active_path_and_choosing_brings_a_branch_back(app, scene_id) -> None:
    a, b, c, d = await _chain(app, scene_id, "a", "b", "c", "d")
    b2 = await _alternative(app, scene_id, b, "b2")
    assert await _active(app, scene_id) == ["a", "b2"]
    (e,) = await _chain(app, scene_id, "e")  # follows the new tip
    assert await _active(app, scene_id) == ["a", "b2", "e"]
    async with app.state.db.writer() as session:
        await scenes_service.choose(session, scene_id=scene_id, message_id=d)  # deep in the abandoned branch
    assert await _active(app, scene_id) == ["a", "b", "c", "d"]
    async with app.state.db.writer() as session:
        await scenes_service.choose(session, scene_id=scene_id, message_id=b2)
        group = await scenes_service.alternatives(session, scene_id=scene_id, message_id=b)
    assert await _active(app, scene_id) == ["a", "b2", "e"]
    assert [(n.id, n.selected, n.active) for n in group] == [(b, False, False), (b2, True, True)]
    async with app.state.db.reader() as session:
        messages, total = await scenes_service.list_conversations(session, scene_id=scene_id, limit=10, page=1)
    assert total == 3 and messages[1].alternatives.model_dump() == {"count": 2, "index": 1, "ids": [b, b2]}
    assert messages[0].alternatives is None
    async with app.state.db.reader() as session:
        stored = (
            await session.scalars(select(ConversationMessage.id).where(ConversationMessage.scene_id == scene_id))
        ).all()
    assert sorted(stored) == sorted([a, b, c, d, b2, e])  # nothing deleted: every message is on one branch or another


async def test_branch_history_walks_parents_and_skips_hidden_messages(app, scene_id) -> None:
    ids = await _chain(app, scene_id, *[f"m{n}" for n in range(8)])
    b2 = await _alternative(app, scene_id, ids[3], "m3b")
    async with app.state.db.writer() as session:
        await session.execute(update(ConversationMessage).where(ConversationMessage.id == ids[1]).values(hidden=True))
        await session.commit()
    async with app.state.db.reader() as session:
        old_branch = await scenes_service.branch_history(session, scene_id=scene_id, up_to_id=ids[6], limit=4)
        new_branch = await scenes_service.branch_history(session, scene_id=scene_id, up_to_id=b2, limit=10)
        nothing = await scenes_service.branch_history(session, scene_id=scene_id, up_to_id=b2, limit=0)
        from_tip = await scenes_service.branch_history(session, scene_id=scene_id, limit=2)
    assert [m.content for m in old_branch] == ["m3", "m4", "m5", "m6"]  # an inactive branch reads the same way
    assert [m.content for m in new_branch] == ["m0", "m2", "m3b"]
    assert [m.content for m in from_tip] == ["m2", "m3b"]  # without an id: the active tip's branch
    assert nothing == []


async def test_a_message_of_another_scene_is_not_found(app, scene_id) -> None:
    (message,) = await _chain(app, scene_id, "mine")
    async with app.state.db.writer() as session:
        other = await scenes_service.create_shell(session, owner_id="alice", data=SceneShellCreate(title="Other"))
    async with app.state.db.reader() as session:
        for bad_scene, bad_id in ((other.id, message), (scene_id, "conv_missing"), (scene_id, "../x")):
            with pytest.raises(ResourceNotFound):
                await scenes_service.get_message(session, scene_id=bad_scene, message_id=bad_id)


async def test_a_prompt_s_console_lines_are_the_newest_visible_ones_of_their_type_oldest_first(app, scene_id) -> None:
    async with app.state.db.writer() as session:
        for n in range(5):
            await scenes_service.append_message(
                session,
                scene_id=scene_id,
                speaker_id="story",
                content=f"console {n}",
                conversation_type="story_console",
            )
            await scenes_service.append_message(session, scene_id=scene_id, speaker_id="user", content=f"chat {n}")
        await session.execute(
            update(ConversationMessage).where(ConversationMessage.content == "console 4").values(hidden=True)
        )
        await session.commit()
    async with app.state.db.reader() as session:
        newest = (
            await session.execute(prompt_rows.latest_contents("story_console", 3)[0], {"scene_id": scene_id})
        ).all()
        scene = await session.get(Scene, scene_id)
        events = (await context.gather(session, scene)).events
    assert [content for (content,) in newest] == ["console 3", "console 2", "console 1"]
    assert events == ["console 1", "console 2", "console 3"]
