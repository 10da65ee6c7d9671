"""The reply context's caches (chat.context): replies that start together load the scene's cast and index its
text once between them, each caller's access is checked against what was loaded (someone else's request never
decides the owner's answer), and a scene without text is not read again for every reply."""

from __future__ import annotations

import asyncio

import pytest

from sceneintruder.chat import context as chat_context
from sceneintruder.chat.runtime import ChatRuntime
from sceneintruder.core.principal import Principal, Role
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.errors import SceneNotFound
from sceneintruder.scenes.schemas import SceneShellCreate
from sceneintruder.textkit.retrieval import PassageIndex
from tests.chat.conftest import store_novel_scene
from tests.support.builders import make_user

ALICE = Principal(user_id="alice", role=Role.USER, authenticated=True)
BOB = Principal(user_id="bob", role=Role.USER, authenticated=True)


@pytest.fixture
async def runtime(app) -> ChatRuntime:
    await make_user(app, "alice")
    await make_user(app, "bob")
    return app.state.components.get(ChatRuntime)


async def test_replies_that_start_together_load_the_cast_and_index_the_book_once(
    app, runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene_id = await store_novel_scene(app, "alice")
    built: list[int] = []
    casts: list[str] = []
    real_build, real_cast = PassageIndex.from_texts, chat_context._load_cast

    def counting_build(texts, language):
        built.append(len(list(texts)))
        return real_build(texts, language)

    async def counting_cast(db, asked):
        casts.append(asked)
        return await real_cast(db, asked)

    monkeypatch.setattr(PassageIndex, "from_texts", counting_build)
    monkeypatch.setattr(chat_context, "_load_cast", counting_cast)
    contexts = await asyncio.gather(*(runtime.context(ALICE, scene_id) for _ in range(12)))
    assert casts == [scene_id] and len(built) == 1 and built[0] > 0
    assert len({id(context.book) for context in contexts}) == 1 and len(contexts[0].book) > 0
    assert all(context.cast == contexts[0].cast and context.cast for context in contexts)


async def test_someone_elses_request_never_decides_the_owners_answer(app, runtime) -> None:
    scene_id = await store_novel_scene(app, "alice")
    for first in (BOB, ALICE):  # whoever's request loads the cast, each is answered for itself
        runtime.casts.invalidate(scene_id)
        bob, alice = await asyncio.gather(
            runtime.context(first, scene_id),
            runtime.context(ALICE if first is BOB else BOB, scene_id),
            return_exceptions=True,
        )
        if first is ALICE:
            alice, bob = bob, alice
        assert isinstance(bob, SceneNotFound) and bob.details == scene_id
        assert not isinstance(alice, Exception) and alice.scene.id == scene_id and alice.cast


async def test_a_missing_scene_is_not_found_and_not_cached(app, runtime) -> None:
    with pytest.raises(SceneNotFound):
        await runtime.context(ALICE, "scene_0123456789abcdef0123")
    with pytest.raises(SceneNotFound):
        await runtime.context(ALICE, "not an id")
    assert len(runtime.casts) == 0


async def test_a_scene_without_text_is_not_read_again_for_every_reply(
    app, runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app.state.db.writer() as session:
        shell = await scenes_service.create_shell(session, owner_id="alice", data=SceneShellCreate(title="Empty"))
    reads: list[str] = []
    real = scenes_service.segment_texts

    async def counting(session, *, scene_id):
        reads.append(scene_id)
        return await real(session, scene_id=scene_id)

    monkeypatch.setattr(scenes_service, "segment_texts", counting)
    for _ in range(3):
        context = await runtime.context(ALICE, shell.id)
        assert context.passages(context.cast[0], "hello") is None if context.cast else len(context.book) == 0
    assert reads == [shell.id]
