"""Scenes without analysis: shells, listing, reading, deleting, items, the message log, ownership."""

from __future__ import annotations

import httpx
import pytest

from sceneintruder.scenes import service as scenes_service
from tests.support.builders import assert_error, bearer, make_user, token_for


@pytest.fixture
async def alice(app) -> dict[str, str]:
    await make_user(app, "alice")
    return bearer(token_for(app, "alice"))


async def _shell(client: httpx.AsyncClient, headers: dict[str, str], title: str = "Harbour") -> dict:
    response = await client.post("/api/scenes/shell", headers=headers, json={"title": title})
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_shell_has_the_reference_scene_shape(client, alice) -> None:
    response = await client.post("/api/scenes/shell", headers=alice, json={"title": "  Harbour  "})
    body = response.json()
    assert body["message"] == "场景创建成功"
    scene = body["data"]
    assert scene["id"].startswith("scene_") and len(scene["id"]) > 20
    assert scene["title"] == scene["name"] == "Harbour"
    assert scene["source"] == "comic_standalone"
    assert scene["description"] == "用于独立 Comics 工作流的空白场景"
    assert (scene["character_count"], scene["item_count"], scene["themes"], scene["locations"]) == (0, 0, [], [])
    assert scene["user_id"] == "alice"


@pytest.mark.parametrize("body", [{}, {"title": ""}, {"title": "   "}, {"title": "x" * 201}, {"title": 5}])
async def test_shell_rejects_bad_titles(client, alice, body) -> None:
    assert_error(await client.post("/api/scenes/shell", headers=alice, json=body), 400, "BAD_REQUEST")


async def test_list_shows_only_the_callers_scenes(app, client, alice) -> None:
    await make_user(app, "bob")
    bob = bearer(token_for(app, "bob"))
    mine = await _shell(client, alice, "Mine")
    await _shell(client, bob, "Bob's")
    await _shell(client, {}, "Guest's")
    listed = (await client.get("/api/scenes", headers=alice)).json()["data"]
    assert [scene["id"] for scene in listed] == [mine["id"]]
    guest = (await client.get("/api/scenes")).json()["data"]
    assert [scene["title"] for scene in guest] == ["Guest's"]


async def test_list_paginates_with_a_correct_total(client, alice) -> None:
    for n in range(5):
        await _shell(client, alice, f"S{n}")
    body = (await client.get("/api/scenes?limit=2&page=2&paginated=true", headers=alice)).json()
    assert [scene["title"] for scene in body["data"]] == ["S2", "S1"]
    assert body["meta"] == {"page": 2, "per_page": 2, "total": 5, "total_pages": 3}


async def test_someone_elses_scene_is_404_everywhere(app, client, alice) -> None:
    await make_user(app, "bob")
    bob = bearer(token_for(app, "bob"))
    scene = await _shell(client, alice)
    for method, suffix in (
        ("GET", ""),
        ("DELETE", ""),
        ("GET", "/characters"),
        ("GET", "/conversations"),
        ("GET", "/items"),
        ("POST", "/items"),
        ("GET", "/export/scene"),
    ):
        body = {"name": "x"} if method == "POST" else None
        response = await client.request(method, f"/api/scenes/{scene['id']}{suffix}", headers=bob, json=body)
        assert_error(response, 404, "SCENE_NOT_FOUND")
    assert (await client.get(f"/api/scenes/{scene['id']}", headers=alice)).status_code == 200


@pytest.mark.parametrize("scene_id", ["scene_missing", "..", "a%2F..%2F..", "x" * 129])
async def test_unknown_and_malformed_scene_ids(client, alice, scene_id: str) -> None:
    response = await client.get(f"/api/scenes/{scene_id}/items", headers=alice)
    assert response.status_code in (400, 404)
    assert response.json()["error"]["code"] in ("SCENE_NOT_FOUND", "BAD_REQUEST", "NOT_FOUND")


async def test_get_scene_returns_scene_data(client, alice) -> None:
    scene = await _shell(client, alice)
    data = (await client.get(f"/api/scenes/{scene['id']}", headers=alice)).json()["data"]
    assert set(data) >= {"scene", "context", "settings", "characters", "items"}
    assert data["scene"]["id"] == scene["id"]
    assert data["context"]["scene_id"] == scene["id"] and data["context"]["conversations"] == []
    assert data["settings"]["scene_id"] == scene["id"]


async def test_items_crud_with_reference_shapes(client, alice) -> None:
    scene = await _shell(client, alice)
    base = f"/api/scenes/{scene['id']}/items"
    made = await client.post(base, headers=alice, json={"name": "Lantern", "type": "tool", "properties": {"lit": True}})
    assert made.status_code == 201
    item = made.json()["data"]
    assert item["scene_id"] == scene["id"] and item["source"] == "EXPLICIT" and item["is_owned"] is False
    owned = await client.post(base, headers=alice, json={"name": "Key", "source": "STORY"})
    listing = (await client.get(base, headers=alice)).json()["data"]
    assert [i["name"] for i in listing["scene_items"]] == ["Lantern"]
    assert [i["name"] for i in listing["owned_items"]] == ["Key"]
    assert listing["total"] == 2
    assert owned.json()["data"]["found_at"]
    replaced = await client.put(f"{base}/{item['id']}", headers=alice, json={"name": "Lamp"})
    assert replaced.json()["data"]["name"] == "Lamp"
    assert replaced.json()["data"]["created_at"] == item["created_at"]
    assert replaced.json()["data"]["properties"] == {}
    assert (await client.get(f"{base}/{item['id']}", headers=alice)).json()["data"]["name"] == "Lamp"
    assert (await client.delete(f"{base}/{item['id']}", headers=alice)).json()["data"] is None
    assert_error(await client.get(f"{base}/{item['id']}", headers=alice), 404, "RESOURCE_NOT_FOUND")


async def test_put_is_not_an_upsert_and_missing_items_are_404(client, alice) -> None:
    scene = await _shell(client, alice)
    base = f"/api/scenes/{scene['id']}/items"
    body = assert_error(
        await client.put(f"{base}/item_nope", headers=alice, json={"name": "x"}), 404, "RESOURCE_NOT_FOUND"
    )
    assert body["error"]["message"] == "物品不存在"
    assert_error(await client.delete(f"{base}/item_nope", headers=alice), 404, "RESOURCE_NOT_FOUND")
    assert (await client.get(base, headers=alice)).json()["data"]["total"] == 0
    assert_error(
        await client.post("/api/scenes/scene_nope/items", headers=alice, json={"name": "x"}), 404, "SCENE_NOT_FOUND"
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x", "source": "MAGIC"},
        {"name": "x", "is_owned": "maybe"},
        {"name": "x" * 201},
        {"name": "x", "properties": []},
    ],
)
async def test_item_validation(client, alice, body) -> None:
    scene = await _shell(client, alice)
    assert_error(await client.post(f"/api/scenes/{scene['id']}/items", headers=alice, json=body), 400, "BAD_REQUEST")


async def test_an_item_of_another_scene_is_not_found_through_this_one(client, alice) -> None:
    first, second = await _shell(client, alice, "A"), await _shell(client, alice, "B")
    item = (await client.post(f"/api/scenes/{first['id']}/items", headers=alice, json={"name": "x"})).json()["data"]
    assert_error(
        await client.get(f"/api/scenes/{second['id']}/items/{item['id']}", headers=alice), 404, "RESOURCE_NOT_FOUND"
    )


async def test_conversations_are_paginated_with_a_real_total(app, client, alice) -> None:
    scene = await _shell(client, alice)
    async with app.state.db.writer() as session:
        for n in range(7):
            await scenes_service.append_message(
                session, scene_id=scene["id"], speaker_id="user", content=f"m{n}", user_id="alice"
            )
    base = f"/api/scenes/{scene['id']}/conversations"
    latest = (await client.get(f"{base}?limit=3", headers=alice)).json()
    assert [m["content"] for m in latest["data"]] == ["m4", "m5", "m6"]
    assert "meta" not in latest
    older = (await client.get(f"{base}?limit=3&page=2&paginated=true", headers=alice)).json()
    assert [m["content"] for m in older["data"]] == ["m1", "m2", "m3"]
    assert older["meta"] == {"page": 2, "per_page": 3, "total": 7, "total_pages": 3}
    first = older["data"][0]
    assert {"id", "scene_id", "speaker_id", "content", "timestamp", "metadata"} <= set(first)
    for bad in ("limit=-1", "limit=0", "limit=abc", "page=0", "limit=501"):
        assert_error(await client.get(f"{base}?{bad}", headers=alice), 400, "BAD_REQUEST")


async def test_delete_removes_rows_and_files(app, client, alice, settings) -> None:
    scene = await _shell(client, alice)
    await client.post(f"/api/scenes/{scene['id']}/items", headers=alice, json={"name": "x"})
    async with app.state.db.writer() as session:
        await scenes_service.append_message(session, scene_id=scene["id"], speaker_id="user", content="hi")
    files = scenes_service.scene_dir(settings.data_dir, scene["id"])
    (files / "comic").mkdir(parents=True)
    (files / "comic" / "panel_1.png").write_bytes(b"png")
    deleted = await client.delete(f"/api/scenes/{scene['id']}", headers=alice)
    assert deleted.json() | {"timestamp": "", "request_id": ""} == {
        "success": True,
        "data": {"scene_id": scene["id"]},
        "message": "场景删除成功",
        "timestamp": "",
        "request_id": "",
    }
    assert not files.exists()
    assert_error(await client.get(f"/api/scenes/{scene['id']}", headers=alice), 404, "SCENE_NOT_FOUND")
    async with app.state.db.reader() as session:
        _messages, total = await scenes_service.list_conversations(session, scene_id=scene["id"], limit=10, page=1)
    assert total == 0
