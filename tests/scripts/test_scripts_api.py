"""Every `/api/scripts` route through the real app: the reference frontend's calls answered in the shapes it reads,
and each route's bad inputs with the reference's statuses, codes and messages; ownership (someone else's script
is 404 everywhere; a guest's scripts are the guest's)."""

from __future__ import annotations

import pytest

from tests.scripts.support import FRAMEWORK, detail, new_script
from tests.support.builders import assert_error, bearer, make_user, token_for, two_owners


async def test_create_list_update_delete_in_the_reference_shapes(client) -> None:
    created = await client.post("/api/scripts", json={"title": "  Lantern  ", "framework": FRAMEWORK})
    assert created.status_code == 201
    body = created.json()
    assert body["message"] == "script 创建成功"
    data = body["data"]
    assert set(data) == {"id", "title", "type", "created_at", "updated_at"}
    assert data["id"].startswith("script_") and data["id"][7:].isdigit()
    assert data["title"] == "Lantern" and data["type"] == "novel"
    script_id = data["id"]

    listed = await client.get("/api/scripts")
    assert listed.json()["message"] == "scripts 列表获取成功"
    [project] = listed.json()["data"]
    assert project["framework"] == FRAMEWORK
    assert [c["id"] for c in project["recommended_commands"]] == ["expand_scene", "polish_language", "add_tension"]
    assert project["state"] == {"cursor": {"chapter": 1, "scene": 1, "segment": 0}}

    updated = await client.put(
        f"/api/scripts/{script_id}", json={"title": " ", "type": "screenplay", "framework": "灯塔"}
    )
    assert updated.status_code == 200 and updated.json()["message"] == "script 更新成功"
    data = updated.json()["data"]
    assert data["title"] == "Lantern" and data["type"] == "screenplay"  # a blank title is ignored
    assert data["framework"] == {"theme": {"core": "灯塔"}}
    cleared = (await client.put(f"/api/scripts/{script_id}", json={"framework": ""})).json()["data"]
    assert cleared["framework"] == {}
    kept = (await client.put(f"/api/scripts/{script_id}", json={"framework": None})).json()["data"]
    assert kept["framework"] == {}  # null leaves it as it is
    raw = (await client.put(f"/api/scripts/{script_id}", json={"framework": [1, 2]})).json()["data"]
    assert raw["framework"] == {"raw": [1, 2]}

    deleted = await client.delete(f"/api/scripts/{script_id}")
    assert deleted.json() | {"timestamp": None, "request_id": None} == {
        "success": True,
        "data": {"id": script_id},
        "message": "script 删除成功",
        "timestamp": None,
        "request_id": None,
    }
    assert (await client.get("/api/scripts")).json()["data"] == []


async def test_detail_has_every_attachment_and_the_workflow_limit(client) -> None:
    script_id = await new_script(client, framework=FRAMEWORK)
    empty = await detail(client, script_id)
    for key in ("drafts", "memory", "chapter_summaries", "chapter_draft", "characters", "items", "workflow_items"):
        assert key in empty
    assert empty["drafts"] == [] and empty["workflow_items"] == [] and "active_draft" not in empty
    assert empty["memory"]["version"] == 1 and empty["memory"]["facts"] == []
    assert empty["chapter_draft"] == {"chapters": []} and empty["chapter_summaries"] == {"items": []}
    assert empty["continuity"]["warnings"] == [] and empty["ledger"]["overdue"] == 0
    for n in range(5):
        saved = await client.put(
            f"/api/scripts/{script_id}/draft",
            json={"target": {"chapter": 1, "scene": n + 1, "segment": 0}, "text": f"Scene {n}."},
        )
        assert saved.status_code == 200
    assert len((await detail(client, script_id))["workflow_items"]) == 3  # the default
    full = await detail(client, script_id, limit=30)
    assert len(full["workflow_items"]) == 5
    assert [i["output"]["main_text"] for i in full["workflow_items"]] == [f"Scene {n}." for n in range(5)]
    assert len(full["drafts"]) == 5 and full["drafts"][0]["draft_id"] == full["state"]["active_draft_id"]
    assert full["active_draft"]["content"]["chapters"][0]["scenes"][4] == {"index": 5, "text": "Scene 4."}
    big = await client.get(f"/api/scripts/{script_id}", params={"workflow_limit": 100000})
    assert big.status_code == 200  # capped at 200


async def test_create_and_update_bad_inputs(client) -> None:
    for body in ({}, {"title": "   "}, {"title": None}):
        missing = await client.post("/api/scripts", json=body)
        assert_error(missing, 400, "BAD_REQUEST")
        assert missing.json()["error"]["message"] == "title is required"
    assert_error(await client.post("/api/scripts", json={"title": 5}), 400, "BAD_REQUEST")
    assert_error(await client.post("/api/scripts", json={"title": "x" * 201}), 400, "BAD_REQUEST")
    assert_error(
        await client.post("/api/scripts", content=b"{not json", headers={"content-type": "application/json"}),
        400,
        "BAD_REQUEST",
    )
    huge = {"title": "t", "framework": {"notes": "x" * 70_000}}
    assert_error(await client.post("/api/scripts", json=huge), 400, "BAD_REQUEST")
    script_id = await new_script(client)
    assert_error(await client.put(f"/api/scripts/{script_id}", json={"type": 7}), 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "", None),
        ("PUT", "", {"title": "x"}),
        ("DELETE", "", None),
        ("GET", "/characters", None),
        ("PUT", "/characters", []),
        ("GET", "/items", None),
        ("PUT", "/items", []),
        ("PUT", "/chapter_draft", {"chapter": 1, "user_draft": "x"}),
        ("PUT", "/draft", {"text": "x"}),
        ("POST", "/rewind", {"draft_id": "draft_1"}),
        ("GET", "/export", None),
        ("GET", "/continuity", None),
        ("POST", "/generate", None),
        ("POST", "/command", {"command": "x"}),
    ],
)
async def test_unknown_and_someone_elses_script_is_404_everywhere(app, client, method, path, body) -> None:
    alice, bob = await two_owners(app)
    script_id = await new_script(client, alice)
    for target, headers in ((script_id, bob), ("script_123", alice), ("script_abc", alice), ("scene_1", alice)):
        response = await client.request(method, f"/api/scripts/{target}{path}", json=body, headers=headers)
        error = assert_error(response, 404, "RESOURCE_NOT_FOUND")
        if target.startswith("script_"):
            assert error["error"]["message"] == "script 不存在"
    assert (await client.get(f"/api/scripts/{script_id}", headers=alice)).status_code == 200


async def test_a_guests_scripts_are_the_guests(app, client) -> None:
    guest_script = await new_script(client)  # no token: the guest console_user
    await make_user(app, "alice")
    alice = bearer(token_for(app, "alice"))
    assert (await client.get("/api/scripts", headers=alice)).json()["data"] == []
    assert_error(await client.get(f"/api/scripts/{guest_script}", headers=alice), 404, "RESOURCE_NOT_FOUND")
    assert [s["id"] for s in (await client.get("/api/scripts")).json()["data"]] == [guest_script]


async def test_guests_need_a_token_when_guest_mode_is_off(make_settings) -> None:
    from tests.scripts.support import scripts_app

    async with scripts_app(make_settings, allow_guest=False) as (_, client):
        assert_error(await client.get("/api/scripts"), 401, "UNAUTHORIZED")


async def test_characters_and_items(client) -> None:
    script_id = await new_script(client)
    got = await client.get(f"/api/scripts/{script_id}/characters")
    assert got.json()["data"] == [] and got.json()["message"] == "characters 获取成功"
    saved = await client.put(f"/api/scripts/{script_id}/characters", json=[{"name": "Mara"}, 3, "x", {"name": "Ezra"}])
    assert saved.json()["data"] == [{"name": "Mara"}, {"name": "Ezra"}]
    assert saved.json()["message"] == "characters 保存成功"
    wrapped = await client.put(f"/api/scripts/{script_id}/items", json={"items": [{"name": "lamp"}]})
    assert wrapped.json()["data"] == [{"name": "lamp"}] and wrapped.json()["message"] == "items 保存成功"
    assert (await client.get(f"/api/scripts/{script_id}/items")).json()["data"] == [{"name": "lamp"}]
    for bad in ({"wrong": []}, "text", 5):  # the reference saved [] for these, wiping the list
        assert_error(await client.put(f"/api/scripts/{script_id}/characters", json=bad), 400, "BAD_REQUEST")
    assert (await client.get(f"/api/scripts/{script_id}/characters")).json()["data"] == [
        {"name": "Mara"},
        {"name": "Ezra"},
    ]
    too_many = [{"n": i} for i in range(501)]
    assert_error(await client.put(f"/api/scripts/{script_id}/items", json=too_many), 400, "BAD_REQUEST")


async def test_chapter_draft_and_its_bad_inputs(client) -> None:
    script_id = await new_script(client)
    saved = await client.put(f"/api/scripts/{script_id}/chapter_draft", json={"chapter": 3, "user_draft": "  Prose.  "})
    assert saved.status_code == 200 and saved.json()["message"] == "章节正文保存成功"
    assert saved.json()["data"] == {
        "chapters": [{"index": 3, "title": "", "summary": "", "outline": "", "user_draft": "Prose."}]
    }
    for chapter in (0, -1):
        bad = await client.put(f"/api/scripts/{script_id}/chapter_draft", json={"chapter": chapter, "user_draft": "x"})
        assert assert_error(bad, 400, "BAD_REQUEST")["error"]["message"] == "chapter 必须大于 0"
    for body in (
        {"user_draft": "x"},
        {"chapter": "two"},
        {"chapter": 1, "user_draft": "x" * 200_001},
        {"chapter": 10**7},
    ):
        assert_error(await client.put(f"/api/scripts/{script_id}/chapter_draft", json=body), 400, "BAD_REQUEST")
    book = await detail(client, script_id)
    assert (
        book["chapter_summaries"]["items"][0]["summary"] == "Prose."
        and book["chapter_summaries"]["items"][0]["source"] == "extractive"
    )


async def test_manual_edit_rewind_and_their_bad_inputs(client) -> None:
    script_id = await new_script(client)
    first = await client.put(
        f"/api/scripts/{script_id}/draft",
        json={"target": {"chapter": 0, "scene": 0, "segment": 0}, "text": "One.", "user_prompt": "__preview_edit__"},
    )
    assert first.json()["message"] == "draft 保存成功"
    data = first.json()["data"]
    assert set(data) == {"draft_id", "active_draft_id", "cursor", "updated_at"}
    assert data["draft_id"] == data["active_draft_id"] and data["cursor"] == {"chapter": 1, "scene": 1, "segment": 0}
    second = (
        await client.put(f"/api/scripts/{script_id}/draft", json={"target": {"chapter": 2, "scene": 1}, "text": "Two."})
    ).json()["data"]
    unknown = await client.put(f"/api/scripts/{script_id}/draft", json={"draft_id": "draft_99", "text": "x"})
    assert assert_error(unknown, 400, "BAD_REQUEST")["error"]["message"] == "draft not found"
    for body in ({"target": {"chapter": -1}}, {"text": 5}, {"target": "x"}):
        assert_error(await client.put(f"/api/scripts/{script_id}/draft", json=body), 400, "BAD_REQUEST")

    rewound = await client.post(f"/api/scripts/{script_id}/rewind", json={"draft_id": data["draft_id"]})
    assert rewound.status_code == 200 and rewound.json()["message"] == "rewind 成功"
    assert rewound.json()["data"]["state"] == {
        "active_draft_id": data["draft_id"],
        "cursor": {"chapter": 1, "scene": 1, "segment": 0},
    }
    book = await detail(client, script_id)
    assert [d["draft_id"] for d in book["drafts"]] == [second["draft_id"], data["draft_id"]]  # nothing deleted
    assert book["active_draft"]["content"] == {"chapters": [{"index": 1, "scenes": [{"index": 1, "text": "One."}]}]}
    cases = (
        ({}, "draft_id is required"),
        ({"draft_id": " "}, "draft_id is required"),
        ({"draft_id": "draft_1"}, "draft not found"),
        ({"draft_id": "../x"}, "draft not found"),
    )
    for body, message in cases:
        bad = await client.post(f"/api/scripts/{script_id}/rewind", json=body)
        assert assert_error(bad, 400, "BAD_REQUEST")["error"]["message"] == message


async def test_export_format_errors(client) -> None:
    script_id = await new_script(client)
    empty = await client.get(f"/api/scripts/{script_id}/export")
    assert assert_error(empty, 400, "BAD_REQUEST")["error"]["message"] == "导出失败"
    await client.put(f"/api/scripts/{script_id}/chapter_draft", json={"chapter": 1, "user_draft": "x"})
    bad = await client.get(f"/api/scripts/{script_id}/export", params={"format": "pdf"})
    body = assert_error(bad, 400, "EXPORT_FORMAT_INVALID")
    assert body["error"]["message"] == "不支持的导出格式" and "markdown" in body["error"]["details"]
    draft_only = await client.get(f"/api/scripts/{script_id}/export", params={"source": "draft"})
    assert assert_error(draft_only, 400, "BAD_REQUEST")["error"]["details"] == "no active draft"
    upper = await client.get(f"/api/scripts/{script_id}/export", params={"format": "MARKDOWN", "include_meta": "maybe"})
    assert upper.status_code == 200 and "附录" not in upper.text  # an invalid include_meta is false


async def test_generate_and_command_need_a_model_first(make_settings) -> None:
    from tests.scripts.support import scripts_app

    async with scripts_app(make_settings, llm_provider="openai", llm_api_key="") as (_, client):
        status = (await client.get("/api/llm/status")).json()["data"]
        assert not status.get("ready"), status  # openai named without a key: nothing usable is configured
        script_id = await new_script(client)
        for path, body in (("generate", None), ("command", {"command": "x"})):
            response = await client.post(f"/api/scripts/{script_id}/{path}", json=body)
            assert_error(response, 503, "LLM_NOT_READY")
        unknown = await client.post("/api/scripts/script_1/generate")
        assert_error(unknown, 503, "LLM_NOT_READY")  # the model is checked first, as the reference does


async def test_command_bad_inputs(client) -> None:
    script_id = await new_script(client)
    for body in (
        {"target": {"chapter": -1}},
        {"options": "x"},
        {"assist_mode": "x" * 33},
        {"options": {"k": "x" * 70_000}},
    ):
        assert_error(await client.post(f"/api/scripts/{script_id}/command", json=body), 400, "BAD_REQUEST")
    assert_error(await client.post(f"/api/scripts/{script_id}/generate", json={"restart": "x"}), 400, "BAD_REQUEST")
