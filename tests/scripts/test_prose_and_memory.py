"""Nothing a writer typed is lost (type prose, regenerate, run a command, rewind, export: the prose is there), and
the book remembers itself: a command's memory update becomes ledger rows (foreshadowing with its payoff, threads
that close, character state per chapter), which the next command sees by full-text search, bounded."""

from __future__ import annotations

import orjson

from tests.scripts.support import detail, generate, new_script, scripts_app, writer_vendor

EXPAND = {
    "assist_mode": "completion",
    "command": "write it",
    "user_input": "",
    "options": {"command_id": "expand_scene"},
}


async def test_prose_survives_regenerate_command_rewind_and_export(make_settings) -> None:
    async with writer_vendor() as vendor, scripts_app(make_settings, vendor) as (_, client):
        script_id = await new_script(client, framework={"chapter_count": 10})
        first = await generate(client, script_id)
        first_draft = first["result"]["draft_id"]
        typed = "Mara climbed the stairs of the lighthouse, counting each of the ninety steps."
        await client.put(f"/api/scripts/{script_id}/chapter_draft", json={"chapter": 3, "user_draft": typed})
        assert (await generate(client, script_id, restart=True))["status"] == "completed"
        vendor.command_reply = {
            "main_text": "The model's own chapter three.",
            "branches": [{"id": "b1", "text": "Go down"}],
        }
        ran = await client.post(
            f"/api/scripts/{script_id}/command", json={**EXPAND, "target": {"chapter": 3, "scene": 1}}
        )
        assert ran.status_code == 200, ran.text
        data = ran.json()["data"]
        assert data["output"]["main_text"] == "The model's own chapter three." and data["provider"] == "openai"
        rewound = await client.post(f"/api/scripts/{script_id}/rewind", json={"draft_id": first_draft})
        assert rewound.status_code == 200
        book = await detail(client, script_id, limit=30)
        assert book["chapter_draft"]["chapters"][2]["user_draft"] == typed  # the command's text went beside it
        versions = (await client.get(f"/api/scripts/{script_id}/chapters/3/versions")).json()["data"]
        assert [(v["source"], v["current"]) for v in versions["versions"]] == [("writer", True), ("command", False)]
        assert versions["versions"][1]["text"] == "The model's own chapter three."
        assert len(book["drafts"]) == 3 and book["state"]["active_draft_id"] == first_draft
        exported = await client.get(f"/api/scripts/{script_id}/export", params={"format": "txt"})
        assert typed in exported.text and "The Tide Turns 10" in exported.text
        # the writer takes the model's version through the preview edit: now it is the chapter's prose
        took = await client.put(
            f"/api/scripts/{script_id}/draft",
            json={
                "target": {"chapter": 3, "scene": 1},
                "text": "Edited model text.",
                "user_prompt": "__preview_edit_user_draft__",
            },
        )
        assert took.status_code == 200
        again = await client.get(f"/api/scripts/{script_id}/chapters/3/versions")
        assert again.json()["data"]["versions"][0]["text"] == typed  # still recoverable
        assert again.json()["data"]["user_draft"] == "Edited model text."


async def test_an_expansion_fills_an_empty_chapter_and_a_failed_reply_writes_nothing(make_settings) -> None:
    async with writer_vendor() as vendor, scripts_app(make_settings, vendor) as (_, client):
        script_id = await new_script(client, framework={"chapter_count": 10})
        vendor.command_reply = {"main_text": "Fresh chapter one."}
        await client.post(f"/api/scripts/{script_id}/command", json={**EXPAND, "target": {"chapter": 1, "scene": 1}})
        book = await detail(client, script_id)
        assert book["chapter_draft"]["chapters"][0]["user_draft"] == "Fresh chapter one."
        before = len(book["drafts"])
        vendor.plan("500")
        failed = await client.post(
            f"/api/scripts/{script_id}/command", json={**EXPAND, "target": {"chapter": 1, "scene": 1}}
        )
        assert failed.status_code >= 500 and failed.json()["success"] is False
        assert len((await detail(client, script_id))["drafts"]) == before  # no placeholder draft (§12.22)


async def test_memory_updates_make_a_ledger_that_the_next_command_sees(make_settings) -> None:
    async with writer_vendor() as vendor, scripts_app(make_settings, vendor) as (_, client):
        script_id = await new_script(client, framework={"chapter_count": 40})
        vendor.command_reply = {
            "main_text": "林冲在庙里躲雪，听见门外有人说起陆虞候。",
            "memory_update": {
                "added_facts": ["林冲的枪藏在山神庙的神像后面"],
                "open_threads": [{"text": "陆虞候为何追到草料场", "payoff_by": 6}],
                "foreshadowing": [{"text": "庙门外的脚印", "payoff_by": 4}, "一封没有署名的信"],
                "character_state": {"林冲": {"location": "山神庙", "mood": "警觉"}},
            },
        }
        ran = await client.post(
            f"/api/scripts/{script_id}/command", json={**EXPAND, "target": {"chapter": 2, "scene": 1}}
        )
        assert ran.json()["data"]["memory_update"]["applied"] == {"added": 5, "closed": 0}
        book = await detail(client, script_id)
        memory = book["memory"]
        assert [f["text"] for f in memory["facts"]] == ["林冲的枪藏在山神庙的神像后面"]
        assert memory["facts"][0]["confidence"] == 0.8 and memory["character_state"]["林冲"]["mood"] == "警觉"
        assert [t["status"] for t in memory["open_threads"]] == ["open"]
        ledger = book["ledger"]
        assert [(f["chapter"], f["payoff_by"]) for f in ledger["foreshadowing"]] == [(2, 4), (2, 12)]
        assert ledger["character_states"][0]["chapter"] == 2
        # the same update again adds nothing (exact duplicates are skipped)
        await client.post(f"/api/scripts/{script_id}/command", json={**EXPAND, "target": {"chapter": 2, "scene": 1}})
        assert len((await detail(client, script_id))["memory"]["facts"]) == 1

        # chapter 7: the footprints are overdue; the thread resolved closes
        await client.put(f"/api/scripts/{script_id}/chapter_draft", json={"chapter": 7, "user_draft": "雪停了。"})
        thread_id = memory["open_threads"][0]["id"]
        vendor.command_reply = {
            "main_text": "陆虞候的来意终于揭开。",
            "memory_update": {"resolved_threads": [thread_id]},
        }
        vendor.requests.clear()
        await client.post(
            f"/api/scripts/{script_id}/command",
            json={"command": "写林冲", "user_input": "林冲回到草料场", "target": {"chapter": 7, "scene": 1}},
        )
        prompt = orjson.dumps(vendor.requests[-1].body).decode("utf-8")
        assert "林冲的枪藏在山神庙的神像后面" in prompt  # found by full-text search on a two-character name
        assert "林冲: " in prompt and "山神庙" in prompt  # the character's latest state
        assert "雪停了" not in prompt or "previous_chapter_ending" not in prompt  # chapter 6 has no prose
        book = await detail(client, script_id)
        assert book["memory"]["open_threads"][0]["status"] == "closed"
        overdue = [f for f in book["ledger"]["foreshadowing"] if f["overdue"]]
        assert [f["text"] for f in overdue] == ["庙门外的脚印"]
        warnings = (await client.get(f"/api/scripts/{script_id}/continuity")).json()["data"]["warnings"]
        assert [(w["type"], w["chapter"], w["memory_id"]) for w in warnings] == [("overdue", 2, overdue[0]["id"])]


async def test_the_writer_keeps_the_ledger_by_hand(client) -> None:
    script_id = await new_script(client)
    added = await client.post(
        f"/api/scripts/{script_id}/memory",
        json={"kind": "foreshadowing", "text": "The cracked lens", "chapter": 1, "payoff_by": 3},
    )
    assert added.status_code == 201, added.text
    entry = added.json()["data"]
    assert entry["status"] == "planned" and entry["payoff_by"] == 3 and entry["provider"] == "writer"
    await client.put(f"/api/scripts/{script_id}/chapter_draft", json={"chapter": 5, "user_draft": "The lens glinted."})
    assert (await detail(client, script_id))["ledger"]["overdue"] == 1
    paid = await client.patch(f"/api/scripts/{script_id}/memory/{entry['id']}", json={"status": "paid", "chapter": 5})
    assert paid.json()["data"]["resolved_chapter"] == 5 and paid.json()["data"]["overdue"] is False
    assert (await detail(client, script_id))["ledger"]["overdue"] == 0
    bad_status = await client.patch(f"/api/scripts/{script_id}/memory/{entry['id']}", json={"status": "closed"})
    assert bad_status.status_code == 400
    assert (await client.patch(f"/api/scripts/{script_id}/memory/fact_1", json={"status": "open"})).status_code == 404
    for body in ({"kind": "rumour", "text": "x"}, {"kind": "fact"}, {"kind": "character_state", "character": "Mara"}):
        assert (await client.post(f"/api/scripts/{script_id}/memory", json=body)).status_code == 400


async def test_a_command_sees_a_bounded_part_of_a_long_chapter(make_settings) -> None:
    async with writer_vendor() as vendor, scripts_app(make_settings, vendor) as (_, client):
        script_id = await new_script(client, framework={"chapter_count": 10})
        long_chapter = "HEAD-MARK " + "The tide came in. " * 2000 + " TAIL-MARK"
        await client.put(f"/api/scripts/{script_id}/chapter_draft", json={"chapter": 4, "user_draft": long_chapter})
        vendor.requests.clear()
        ran = await client.post(
            f"/api/scripts/{script_id}/command", json={**EXPAND, "target": {"chapter": 4, "scene": 1}}
        )
        assert ran.status_code == 200
        prompt = orjson.dumps(vendor.requests[-1].body).decode("utf-8")
        assert "TAIL-MARK" in prompt and "HEAD-MARK" not in prompt  # continuing: the end of the chapter
        assert len(prompt) < 20_000
