"""The cached GET /api/scenes/:id never serves what a committed write changed, whoever wrote it and how."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import update

from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.models import ConversationMessage
from tests.support.builders import assert_error, bearer, make_user, token_for, two_owners


@pytest.fixture
def settings(make_settings):
    return make_settings(read_cache_ttl_seconds=3600)  # nothing expires by itself during the test


async def _messages(client, scene_id: str, headers) -> list[str]:
    data = (await client.get(f"/api/scenes/{scene_id}", headers=headers)).json()["data"]
    return [m["content"] for m in data["context"]["conversations"]]


async def test_writes_through_any_path_drop_the_cached_payload(app, client) -> None:
    await make_user(app, "alice")
    alice = bearer(token_for(app, "alice"))
    scene = (await client.post("/api/scenes/shell", headers=alice, json={"title": "Cached"})).json()["data"]
    first = (await client.get(f"/api/scenes/{scene['id']}", headers=alice)).json()["data"]
    assert first["items"] == []
    await client.post(f"/api/scenes/{scene['id']}/items", headers=alice, json={"name": "Key"})  # the HTTP path
    assert [
        i["name"] for i in (await client.get(f"/api/scenes/{scene['id']}", headers=alice)).json()["data"]["items"]
    ] == ["Key"]
    async with app.state.db.writer() as session:  # another domain's path: a service call
        await scenes_service.append_message(session, scene_id=scene["id"], speaker_id="user", content="hello")
    assert await _messages(client, scene["id"], alice) == ["hello"]
    async with app.state.db.writer() as session:  # a bulk statement has no rows to look at
        await session.execute(update(ConversationMessage).values(hidden=True))
        await session.commit()
    assert await _messages(client, scene["id"], alice) == []
    async with app.state.db.writer() as session:  # a rolled-back write changes nothing, and evicts nothing wrongly
        await scenes_service.append_message(
            session, scene_id=scene["id"], speaker_id="user", content="never", commit=False
        )
        await session.rollback()
    assert await _messages(client, scene["id"], alice) == []


async def test_the_cache_does_not_leak_across_owners(app, client) -> None:
    alice, bob = await two_owners(app)
    scene = (await client.post("/api/scenes/shell", headers=alice, json={"title": "Mine"})).json()["data"]
    assert (await client.get(f"/api/scenes/{scene['id']}", headers=alice)).status_code == 200  # now cached
    assert_error(await client.get(f"/api/scenes/{scene['id']}", headers=bob), 404, "SCENE_NOT_FOUND")
    await client.delete(f"/api/scenes/{scene['id']}", headers=alice)
    assert_error(await client.get(f"/api/scenes/{scene['id']}", headers=alice), 404, "SCENE_NOT_FOUND")


async def test_a_new_scene_is_in_the_read_cache_when_its_creation_answers_and_only_for_its_owner(app, client) -> None:
    """The page reads a scene right after creating it: that read is served from the cache like any later one."""
    alice, bob = await two_owners(app)
    text = "Anna walked to the mill. Boris waited there. 'Late again,' said Boris.\n\n" * 20
    created = await client.post("/api/scenes", headers=alice, json={"title": "Mill", "text": text})
    assert created.status_code == 201, created.text
    scene_id = created.json()["data"]["id"]
    runtime = app.state.components.get(scenes_service.ScenesRuntime)
    cached = runtime.read_cache.entries.get(scene_id)
    assert cached is not None and cached.owner_id == "alice"
    read = (await client.get(f"/api/scenes/{scene_id}", headers=alice)).json()["data"]
    assert orjson.loads(cached.json) == read  # the very payload a GET serves
    assert_error(await client.get(f"/api/scenes/{scene_id}", headers=bob), 404, "SCENE_NOT_FOUND")
