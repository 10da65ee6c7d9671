"""All 14 `/api/users/:user_id...` endpoints: happy paths, bad inputs, and access."""

from __future__ import annotations

import httpx
import pytest

from tests.support.builders import assert_error, bearer, login, make_user


@pytest.fixture
async def alice(app, client: httpx.AsyncClient) -> dict[str, str]:
    await make_user(app, "alice")
    return bearer(await login(client, "alice"))


async def test_profile_read_has_reference_keys_and_never_null_lists(client, alice) -> None:
    response = await client.get("/api/users/alice", headers=alice)
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "用户档案获取成功"
    user = body["data"]
    assert {"id", "username", "email", "created_at", "last_updated", "preferences"} <= set(user)
    assert (user["items"], user["skills"], user["saved_scenes"]) == ([], [], [])
    assert user["email"] == "alice@local"
    assert "bio" not in user and "password_hash" not in user
    assert user["preferences"]["creativity_level"] == "BALANCED"


async def test_user_a_cannot_touch_user_b(app, client, alice) -> None:
    await make_user(app, "bob")
    for method, path in (
        ("GET", "/api/users/bob"),
        ("PUT", "/api/users/bob"),
        ("GET", "/api/users/bob/preferences"),
        ("GET", "/api/users/bob/items"),
        ("POST", "/api/users/bob/skills"),
        ("DELETE", "/api/users/bob/items/x"),
    ):
        response = await client.request(method, path, headers=alice, json={} if method in ("PUT", "POST") else None)
        body = assert_error(response, 403, "FORBIDDEN")
        assert body["error"]["message"] == "Access denied: Cannot access other users' data"


async def test_guest_may_only_use_console_user(app, client) -> None:
    await make_user(app, "alice")
    assert (await client.get("/api/users/console_user")).status_code == 200
    body = assert_error(await client.get("/api/users/alice"), 403, "FORBIDDEN")
    assert body["error"]["message"] == "Authentication required"


async def test_update_profile_applies_present_fields_and_clears_with_empty(client, alice) -> None:
    first = await client.put(
        "/api/users/alice",
        headers=alice,
        json={"username": "Alice L.", "display_name": "Al", "bio": "writes", "avatar": "https://x/a.png"},
    )
    assert first.status_code == 200 and first.json()["message"] == "用户档案更新成功"
    assert first.json()["data"]["bio"] == "writes"
    second = await client.put("/api/users/alice", headers=alice, json={"bio": "", "display_name": None})
    data = second.json()["data"]
    assert "bio" not in data and "display_name" not in data
    assert data["username"] == "Alice L." and data["avatar"] == "https://x/a.png"


@pytest.mark.parametrize(
    "body",
    [{"username": ""}, {"username": 5}, {"bio": "x" * 5001}, {"preferences": {"creativity_level": "WILD"}}],
)
async def test_update_profile_rejects_bad_input(client, alice, body) -> None:
    assert_error(await client.put("/api/users/alice", headers=alice, json=body), 400, "BAD_REQUEST")


async def test_preferences_round_trip_and_enums_are_validated(client, alice) -> None:
    got = await client.get("/api/users/alice/preferences", headers=alice)
    assert got.json()["message"] == "用户偏好获取成功"
    new = {
        "creativity_level": "EXPANSIVE",
        "allow_plot_twists": False,
        "response_length": "long",
        "language_style": "literary",
        "notification_level": "all",
        "dark_mode": True,
        "auto_save": False,
        "preferred_model": "gpt-4.1",
    }
    put = await client.put("/api/users/alice/preferences", headers=alice, json=new)
    assert put.status_code == 200 and put.json()["data"] == new
    assert (await client.get("/api/users/alice/preferences", headers=alice)).json()["data"] == new
    for bad in ({"response_length": "epic"}, {"notification_level": "loud"}, {"dark_mode": "sometimes"}):
        assert_error(await client.put("/api/users/alice/preferences", headers=alice, json=bad), 400, "BAD_REQUEST")


async def test_items_crud(client, alice) -> None:
    assert (await client.get("/api/users/alice/items", headers=alice)).json()["data"] == []
    made = await client.post(
        "/api/users/alice/items",
        headers=alice,
        json={
            "name": "Lantern",
            "description": "old",
            "tags": ["light", " "],
            "effects": [{"target": "self", "type": "buff", "value": 2, "description": "see", "probability": 0.5}],
        },
    )
    assert made.status_code == 201 and made.json()["message"] == "物品添加成功"
    item = made.json()["data"]
    assert item["id"].startswith("item_") and item["tags"] == ["light"]
    assert item["effects"][0]["probability"] == 0.5
    path = f"/api/users/alice/items/{item['id']}"
    assert (await client.get(path, headers=alice)).json()["data"] == item
    replaced = await client.put(path, headers=alice, json={"name": "Lamp"})
    assert replaced.status_code == 200
    assert replaced.json()["data"]["name"] == "Lamp" and replaced.json()["data"]["created"] == item["created"]
    assert replaced.json()["data"]["effects"] == []
    listed = (await client.get("/api/users/alice/items", headers=alice)).json()["data"]
    assert [i["name"] for i in listed] == ["Lamp"]
    deleted = await client.delete(path, headers=alice)
    assert deleted.status_code == 200 and deleted.json()["data"] is None
    assert_error(await client.get(path, headers=alice), 404, "ITEM_NOT_FOUND")


async def test_missing_items_are_404_not_500(client, alice) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = await client.request(
            method,
            "/api/users/alice/items/item_missing",
            headers=alice,
            json={"name": "x"} if method == "PUT" else None,
        )
        assert_error(response, 404, "ITEM_NOT_FOUND")
    assert_error(await client.get("/api/users/alice/items/bad%20id%21", headers=alice), 404, "ITEM_NOT_FOUND")


async def test_client_supplied_ids_are_validated_and_duplicates_conflict(client, alice) -> None:
    first = await client.post("/api/users/alice/items", headers=alice, json={"id": "sword-1", "name": "Sword"})
    assert first.status_code == 201 and first.json()["data"]["id"] == "sword-1"
    again = await client.post("/api/users/alice/items", headers=alice, json={"id": "sword-1", "name": "Other"})
    assert_error(again, 409, "CONFLICT")
    bad = await client.post("/api/users/alice/items", headers=alice, json={"id": "../etc", "name": "x"})
    assert_error(bad, 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x" * 101},
        {"name": "ok", "effects": [{"probability": 1.5}]},
        {"name": "ok", "effects": [{"value": -1}]},
        {"name": "ok", "effects": "lots"},
        {"name": "ok", "tags": ["t"] * 51},
    ],
)
async def test_item_validation(client, alice, body) -> None:
    assert_error(await client.post("/api/users/alice/items", headers=alice, json=body), 400, "BAD_REQUEST")


async def test_skills_crud_with_the_reference_sanitising(client, alice) -> None:
    made = await client.post(
        "/api/users/alice/skills",
        headers=alice,
        json={
            "name": "  Parry ",
            "category": "combat",
            "cooldown": -3,
            "requirements": ["", "sword"],
            "effects": [{"target": "", "type": "", "value": -5, "duration": -1, "probability": 7}],
        },
    )
    assert made.status_code == 201 and made.json()["message"] == "技能添加成功"
    skill = made.json()["data"]
    assert skill["name"] == "Parry" and skill["cooldown"] == 0 and skill["requirements"] == ["sword"]
    assert skill["effects"] == [
        {"target": "self", "type": "custom", "value": 0, "duration": 0, "probability": 1.0, "description": ""}
    ]
    legacy = await client.post("/api/users/alice/skills", headers=alice, json={"name": "Hum", "effect": "calms"})
    assert legacy.json()["data"]["effects"] == [
        {"description": "calms", "target": "other", "type": "special", "value": 0, "probability": 1.0}
    ]
    path = f"/api/users/alice/skills/{skill['id']}"
    assert (await client.get(path, headers=alice)).json()["message"] == "技能信息获取成功"
    updated = await client.put(path, headers=alice, json={"name": "Riposte", "effect": "strikes back"})
    assert updated.json()["data"]["name"] == "Riposte"
    listed = (await client.get("/api/users/alice/skills", headers=alice)).json()["data"]
    assert sorted(s["name"] for s in listed) == ["Hum", "Riposte"]
    assert (await client.delete(path, headers=alice)).json()["message"] == "技能删除成功"
    assert_error(await client.get(path, headers=alice), 404, "SKILL_NOT_FOUND")
    assert_error(await client.put(path, headers=alice, json={"name": "x", "effect": "y"}), 404, "SKILL_NOT_FOUND")
    assert_error(await client.delete(path, headers=alice), 404, "SKILL_NOT_FOUND")


async def test_skill_validation_messages(client, alice) -> None:
    no_name = await client.post("/api/users/alice/skills", headers=alice, json={"name": " ", "effect": "x"})
    assert assert_error(no_name, 400, "BAD_REQUEST")["error"]["message"] == "技能名称不能为空"
    no_effect = await client.post("/api/users/alice/skills", headers=alice, json={"name": "Idle"})
    assert assert_error(no_effect, 400, "BAD_REQUEST")["error"]["message"] == "至少需要一个技能效果"
    wrong_type = await client.post("/api/users/alice/skills", headers=alice, json={"name": "x", "cooldown": "soon"})
    assert_error(wrong_type, 400, "BAD_REQUEST")
    huge = {"name": "x", "effect": "y", "cooldown": 2**31}  # past an INTEGER column (PostgreSQL would refuse it)
    assert_error(await client.post("/api/users/alice/skills", headers=alice, json=huge), 400, "BAD_REQUEST")
    largest = {"name": "x", "effect": "y", "cooldown": 2**31 - 1}
    assert (await client.post("/api/users/alice/skills", headers=alice, json=largest)).json()["data"][
        "cooldown"
    ] == 2**31 - 1


async def test_profile_lists_items_and_skills(client, alice) -> None:
    await client.post("/api/users/alice/items", headers=alice, json={"name": "Coin"})
    await client.post("/api/users/alice/skills", headers=alice, json={"name": "Luck", "effect": "more coins"})
    user = (await client.get("/api/users/alice", headers=alice)).json()["data"]
    assert [i["name"] for i in user["items"]] == ["Coin"]
    assert [s["name"] for s in user["skills"]] == ["Luck"]


async def test_a_cached_profile_is_the_same_json_as_a_fresh_read_and_writes_replace_it(app, client, alice) -> None:
    """The profile cache keeps each profile's JSON: a cached read answers what a read from the database does,
    and a write (the profile, an item, a preference) is seen by the next read."""
    from sceneintruder.users.service import UsersRuntime

    profiles = app.state.components.get(UsersRuntime).profiles
    first = (await client.get("/api/users/alice", headers=alice)).json()["data"]
    assert profiles.get("alice") is not None  # the first read filled the cache
    cached = (await client.get("/api/users/alice", headers=alice)).json()["data"]
    profiles.clear()
    fresh = (await client.get("/api/users/alice", headers=alice)).json()["data"]
    assert first == cached == fresh
    updated = (await client.put("/api/users/alice", headers=alice, json={"bio": "writes letters"})).json()["data"]
    after_update = (await client.get("/api/users/alice", headers=alice)).json()["data"]
    assert after_update == updated and after_update["bio"] == "writes letters"
    item = {"name": "Letter", "description": "from Jane", "quantity": 1}
    assert (await client.post("/api/users/alice/items", headers=alice, json=item)).status_code == 201
    with_item = (await client.get("/api/users/alice", headers=alice)).json()["data"]
    assert [i["name"] for i in with_item["items"]] == ["Letter"]
    preferences = {**with_item["preferences"], "creativity_level": "EXPANSIVE", "dark_mode": True}
    assert (await client.put("/api/users/alice/preferences", headers=alice, json=preferences)).status_code == 200
    with_preferences = (await client.get("/api/users/alice", headers=alice)).json()["data"]
    assert with_preferences["preferences"]["creativity_level"] == "EXPANSIVE"
    assert with_preferences["preferences"]["dark_mode"] is True
