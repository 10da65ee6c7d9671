"""The scene row every owned-scene route checks first is cached, and the cache never answers what a committed
write changed, never another owner's scene, and never an object another caller holds."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from sceneintruder.core.principal import Principal, Role
from sceneintruder.scenes import service as scenes_service
from sceneintruder.scenes.errors import SceneNotFound
from sceneintruder.scenes.models import Scene
from tests.support.builders import assert_error, bearer, make_user, token_for, two_owners


@pytest.fixture
def settings(make_settings):
    return make_settings(read_cache_ttl_seconds=3600)  # nothing expires by itself during the test


def _as_user(user_id: str) -> Principal:
    return Principal(user_id=user_id, role=Role.USER, authenticated=True)


async def _alices_scene(app, client, title: str) -> tuple[str, dict[str, str], scenes_service.ScenesRuntime]:
    """A scene of alice's: its id, her headers, and the scenes runtime that loads it for owned-scene routes."""
    await make_user(app, "alice")
    alice = bearer(token_for(app, "alice"))
    scene = (await client.post("/api/scenes/shell", headers=alice, json={"title": title})).json()["data"]
    return scene["id"], alice, app.state.components.get(scenes_service.ScenesRuntime)


async def test_a_write_to_the_scene_row_is_seen_by_the_next_owned_scene_route(app, client) -> None:
    scene_id, alice, runtime = await _alices_scene(app, client, "Before")
    owner = _as_user("alice")
    assert (await runtime.owned_scene(scene_id, owner)).title == "Before"
    assert runtime.scene_rows.entries.get(scene_id) is not None  # cached now

    async with app.state.db.writer() as session:  # a row written through the ORM
        row = await session.get(Scene, scene_id)
        assert row is not None
        row.title = "After"
        await session.commit()
    assert (await runtime.owned_scene(scene_id, owner)).title == "After"

    async with app.state.db.writer() as session:  # a bulk statement: no row to look at, everything is dropped
        await session.execute(update(Scene).where(Scene.id == scene_id).values(era="Regency"))
        await session.commit()
    assert (await runtime.owned_scene(scene_id, owner)).era == "Regency"

    async with app.state.db.writer() as session:  # a rolled-back write changes nothing
        row = await session.get(Scene, scene_id)
        assert row is not None
        row.title = "Never"
        await session.flush()
        await session.rollback()
    assert (await runtime.owned_scene(scene_id, owner)).title == "After"

    assert (await client.delete(f"/api/scenes/{scene_id}", headers=alice)).status_code == 200
    with pytest.raises(SceneNotFound):
        await runtime.owned_scene(scene_id, owner)
    assert_error(await client.get(f"/api/scenes/{scene_id}/items", headers=alice), 404, "SCENE_NOT_FOUND")


async def test_a_cached_scene_is_not_served_to_another_owner(app, client) -> None:
    alice, bob = await two_owners(app)
    scene = (await client.post("/api/scenes/shell", headers=alice, json={"title": "Mine"})).json()["data"]
    assert (await client.get(f"/api/scenes/{scene['id']}/items", headers=alice)).status_code == 200  # now cached
    runtime = app.state.components.get(scenes_service.ScenesRuntime)
    assert runtime.scene_rows.entries.get(scene["id"]) is not None
    for path in ("items", "characters", "story", "comic"):
        assert_error(await client.get(f"/api/scenes/{scene['id']}/{path}", headers=bob), 404, "SCENE_NOT_FOUND")
    with pytest.raises(SceneNotFound):
        await runtime.owned_scene(scene["id"], _as_user("bob"))
    assert await runtime.scene_visible(_as_user("alice"), scene["id"])  # who may join the scene's room
    assert not await runtime.scene_visible(_as_user("bob"), scene["id"])
    admin = Principal(user_id="root", role=Role.ADMIN, authenticated=True)
    assert (await runtime.owned_scene(scene["id"], admin)).owner_id == "alice"


async def test_every_caller_gets_a_scene_of_its_own(app, client) -> None:
    scene_id, _alice, runtime = await _alices_scene(app, client, "Shared")
    owner = _as_user("alice")
    first = await runtime.owned_scene(scene_id, owner)
    first.locations.append({"name": "Somewhere else"})
    first.title = "Changed in memory"
    second = await runtime.owned_scene(scene_id, owner)
    assert second is not first
    assert second.title == "Shared" and {"name": "Somewhere else"} not in second.locations
    async with app.state.db.reader() as session:  # a caller may still attach its copy to a session of its own
        merged = await session.merge(second, load=False)
        assert merged.id == scene_id
