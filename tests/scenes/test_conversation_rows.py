"""The chat's hot reads and writes of the message log as Core statements (scenes.conversations, scenes.access):
they read and write exactly what the ORM did, after whatever the session still holds, and the ownership check
of a reply's store answers like the one that loads the scene."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sceneintruder.core.ids import new_id
from sceneintruder.core.principal import Principal, Role
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.errors import SceneNotFound
from sceneintruder.scenes.models import ConversationMessage, Scene
from sceneintruder.scenes.schemas import SceneShellCreate
from tests.support.builders import make_user

ALICE = Principal(user_id="alice", role=Role.USER, authenticated=True)
BOB = Principal(user_id="bob", role=Role.USER, authenticated=True)
ADMIN = Principal(user_id="root", role=Role.ADMIN, authenticated=True)


@pytest.fixture
async def scene_id(app) -> str:
    await make_user(app, "alice")
    async with app.state.db.writer() as session:
        scene = await scenes_service.create_shell(session, owner_id="alice", data=SceneShellCreate(title="Rows"))
    return scene.id


async def test_a_history_read_is_each_message_as_the_orm_reads_it(app, scene_id) -> None:
    async with app.state.db.writer() as session:
        await scenes_service.append_message(
            session,
            scene_id=scene_id,
            speaker_id="user",
            speaker_name="alice",
            content="Hello",
            user_id="alice",
            conversation_type="chat",
            metadata={"character_id": "c1", "nested": {"n": [1, 2]}},
        )
        await scenes_service.append_message(
            session, scene_id=scene_id, speaker_id="c1", speaker_name="Ann", content="Hi.", node_id="node-1"
        )
    async with app.state.db.reader() as session:
        history = await scenes_service.branch_history(session, scene_id=scene_id, limit=20)
        rows = (
            await session.scalars(
                select(ConversationMessage)
                .where(ConversationMessage.scene_id == scene_id)
                .order_by(ConversationMessage.seq)
            )
        ).all()
    assert [read.model_dump() for read in history] == [
        scenes_service.conversation_read(row).model_dump() for row in rows
    ]
    assert history[0].metadata == {"character_id": "c1", "nested": {"n": [1, 2]}, "conversation_type": "chat"}
    assert history[1].metadata == {} and history[1].node_id == "node-1" and history[1].parent_id == history[0].id
    assert history[0].timestamp.tzinfo is not None


async def test_an_append_is_written_after_what_the_session_still_holds(app) -> None:
    await make_user(app, "alice")
    scene_id = new_id("scene")
    async with app.state.db.writer() as session:
        session.add(Scene(id=scene_id, owner_id="alice", title="Pending"))  # not flushed yet: the message needs it
        message = await scenes_service.append_message(session, scene_id=scene_id, speaker_id="user", content="first")
    async with app.state.db.reader() as session:
        stored = await scenes_service.get_message(session, scene_id=scene_id, message_id=message.id)
    assert stored.read.content == "first" and stored.parent_id is None


async def test_an_append_that_is_rolled_back_leaves_nothing(app, scene_id) -> None:
    async with app.state.db.writer() as session:
        await scenes_service.append_message(session, scene_id=scene_id, speaker_id="user", content="kept")
        await scenes_service.append_message(
            session, scene_id=scene_id, speaker_id="user", content="dropped", commit=False
        )
        await session.rollback()
    async with app.state.db.reader() as session:
        history = await scenes_service.branch_history(session, scene_id=scene_id, limit=20)
    assert [read.content for read in history] == ["kept"]


async def test_the_store_check_answers_like_loading_the_scene(app, scene_id) -> None:
    await make_user(app, "bob")
    async with app.state.db.writer() as session:
        await scenes_service.check_owned_scene(session, scene_id=scene_id, principal=ALICE)
        await scenes_service.check_owned_scene(session, scene_id=scene_id, principal=ADMIN)
        for principal, asked in ((BOB, scene_id), (ALICE, new_id("scene")), (ALICE, "not an id"), (ALICE, "")):
            with pytest.raises(SceneNotFound) as caught:
                await scenes_service.check_owned_scene(session, scene_id=asked, principal=principal)
            assert caught.value.details == asked
            with pytest.raises(SceneNotFound):  # the same answer as the loading check
                await scenes_service.get_owned_scene(session, scene_id=asked, principal=principal)


async def test_a_chain_follows_the_tip_each_message_after_the_one_before(app, scene_id) -> None:
    async with app.state.db.writer() as session:
        (first,) = await scenes_service.append_chain(
            session, scene_id=scene_id, messages=[scenes_service.NewMessage("user", "Hi")], principal=ALICE
        )
        line, reply = await scenes_service.append_chain(
            session,
            scene_id=scene_id,
            messages=[
                scenes_service.NewMessage("user", "How are you?", speaker_name="alice", user_id="alice"),
                scenes_service.NewMessage("c1", "Well.", speaker_name="Ann", metadata={"provider": "x"}),
            ],
            principal=ADMIN,
        )
        (aside,) = await scenes_service.append_chain(
            session, scene_id=scene_id, messages=[scenes_service.NewMessage("c2", "Hm.")], parent_id=first.id
        )
        await session.commit()
    assert first.parent_id is None and line.parent_id == first.id and reply.parent_id == line.id
    assert aside.parent_id == first.id  # after the message named, not the tip
    assert reply.metadata == {"provider": "x"} and line.speaker_name == "alice"
    async with app.state.db.reader() as session:
        history = await scenes_service.branch_history(session, scene_id=scene_id, limit=10, up_to_id=reply.id)
    assert [m.content for m in history] == ["Hi", "How are you?", "Well."]


async def test_a_chain_for_someone_elses_scene_writes_nothing(app, scene_id) -> None:
    await make_user(app, "bob")
    async with app.state.db.writer() as session:
        for asked, parent in ((scene_id, None), (scene_id, "conv_x"), (new_id("scene"), None), ("bad id", None)):
            with pytest.raises(SceneNotFound) as caught:
                await scenes_service.append_chain(
                    session,
                    scene_id=asked,
                    messages=[scenes_service.NewMessage("user", "intruding")],
                    parent_id=parent,
                    follow_tip=parent is None,
                    principal=BOB,
                )
            assert caught.value.details == asked
        await session.commit()
    async with app.state.db.reader() as session:
        assert await scenes_service.branch_history(session, scene_id=scene_id, limit=10) == []
