"""Long books: a 300-chapter outline through a fake vendor that cuts every third reply, fails mid-way and is cut by
a restart, continuing where it stopped, never redoing a batch and never touching the writer's prose; the
fill_outline_next command as a job; one outline job per script."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from sceneintruder.scripts.models import ScriptChapter, ScriptOutlineRun
from sceneintruder.settings.models import LLMCall
from sceneintruder.settings.runtime import SettingsRuntime
from tests.scripts.support import detail, generate, new_script, scripts_app, wait_task, writer_vendor
from tests.support.builders import assert_error

BOOK = {"genre": "mystery", "chapter_count": 300, "premise": "a lighthouse keeper and a drowned ship"}


async def test_a_300_chapter_outline_survives_truncation_a_vendor_failure_and_a_restart(make_settings) -> None:
    async with writer_vendor(cut_every=3) as vendor:
        vendor.fail_ranges[81] = 1  # one failure mid-way: the batch is asked again within the job
        vendor.fail_ranges[121] = 10  # then a failure that outlasts the job's retries: the job fails
        async with scripts_app(make_settings, vendor) as (app, client):
            script_id = await new_script(client, framework=BOOK)
            typed = await client.put(
                f"/api/scripts/{script_id}/chapter_draft", json={"chapter": 150, "user_draft": "The writer's chapter."}
            )
            assert typed.status_code == 200
            first = await generate(client, script_id)
            assert first["status"] == "failed"
            run = (await detail(client, script_id))["outline_run"]
            assert run["status"] == "stopped" and run["next_chapter"] == 121 and run["failures"] >= 2
            assert run["salvaged"] >= 1  # a cut reply gave the chapters it finished
        vendor.fail_ranges[121] = 0
        vendor.hold_at = 201  # the second run is cut by a restart while it asks for chapters 201-220
        async with scripts_app(make_settings, vendor, configure=False) as (app, client):
            started = await client.post(f"/api/scripts/{script_id}/generate")
            second_id = started.json()["data"]["task_id"]
            async with asyncio.timeout(120):  # synchronisation on the vendor; the timeout stops a hung test
                await vendor.held.wait()
        vendor.hold_at = None
        vendor.release_hold.set()
        async with scripts_app(make_settings, vendor, configure=False) as (app, client):
            second = (await client.get(f"/api/tasks/{second_id}")).json()["data"]
            assert second["status"] == "failed"  # interrupted by the restart
            third = await generate(client, script_id)
            assert third["status"] == "completed", third
            assert third["result"]["resumed_from"] == 201
            book = await detail(client, script_id)
            chapters = book["chapter_draft"]["chapters"]
            assert [c["index"] for c in chapters] == list(range(1, 301))
            assert all(c["title"].startswith("The Tide Turns") and c["summary"] for c in chapters)
            assert chapters[149]["user_draft"] == "The writer's chapter."  # never written by an outline run
            assert book["outline_run"]["status"] == "done"
            ledger = app.state.components.get(SettingsRuntime).ledger
            await ledger.flush()
            async with app.state.db.reader() as session:
                outline_calls = await session.scalar(
                    select(func.count()).select_from(LLMCall).where(LLMCall.task == "script_outline")
                )
                runs = await session.scalar(select(func.count()).select_from(ScriptOutlineRun))
    # every batch was answered in full once (a cut reply is asked again; a finished batch never is)
    full = {key: count for key, count in vendor.ranges.items()}
    assert sorted(full) == [(s, s + 19) for s in range(1, 301, 20)]
    assert all(count <= 2 for count in full.values())
    assert outline_calls is not None and outline_calls >= 15 and runs == 1


async def test_generate_never_overwrites_prose_and_regenerating_keeps_every_version(make_settings) -> None:
    async with writer_vendor() as vendor, scripts_app(make_settings, vendor) as (_, client):
        script_id = await new_script(client, framework={"chapter_count": 12})
        await client.put(f"/api/scripts/{script_id}/chapter_draft", json={"chapter": 2, "user_draft": "Mine, typed."})
        done = await generate(client, script_id)
        assert done["status"] == "completed" and done["result"]["provider"] == "openai"
        again = await generate(client, script_id, restart=True)
        assert again["status"] == "completed"
        book = await detail(client, script_id)
        assert book["chapter_draft"]["chapters"][1]["user_draft"] == "Mine, typed."
        assert len(book["drafts"]) == 2 and {d["source"] for d in book["drafts"]} == {"generate"}
        assert book["active_draft"]["content"]["chapters"][0]["scenes"][0]["text"].startswith("- The keeper")


async def test_fill_outline_next_fills_blank_chapters_in_batches_as_a_job(make_settings) -> None:
    async with writer_vendor() as vendor, scripts_app(make_settings, vendor) as (app, client):
        script_id = await new_script(client, framework={"chapter_count": 30})
        body = {
            "assist_mode": "inspiration",
            "command": "",
            "user_input": "",
            "target": {"chapter": 1, "scene": 1, "segment": 0},
            "options": {"source": "outline_card", "command_id": "fill_outline_next", "batch_size": 20},
        }
        first = await client.post(f"/api/scripts/{script_id}/command", json=body)
        assert first.status_code == 200, first.text
        data = first.json()["data"]
        assert data["draft_id"] == "" and data["workflow_item_id"].startswith("wf_")
        assert data["output"]["main_text"] == "已补全大纲：第1-20章（可重复执行继续补全）。"
        second = (await client.post(f"/api/scripts/{script_id}/command", json=body)).json()["data"]
        assert second["output"]["main_text"] == "已补全大纲：第21-30章（可重复执行继续补全）。"
        done = (await client.post(f"/api/scripts/{script_id}/command", json=body)).json()["data"]
        assert done == {"draft_id": "", "workflow_item_id": "", "output": {"main_text": "大纲已全部补全：共 30 章。"}}
        book = await detail(client, script_id, limit=30)
        items = book["workflow_items"]
        assert [i["type"] for i in items] == ["fill_outline", "fill_outline"]
        assert items[0]["command"] == "fill_outline_next" and items[0]["assist_mode"] == "system"
        assert items[1]["refs"]["depends_on"] == [items[0]["id"]]
        assert items[0]["target"] == {"chapter": 1, "scene": 0, "segment": 0}
        async with app.state.db.reader() as session:
            count = await session.scalar(select(func.count()).select_from(ScriptChapter))
        assert count == 30


async def test_fill_outline_next_without_a_framework_and_a_second_job_while_one_runs(make_settings) -> None:
    async with writer_vendor(delay=0.3) as vendor, scripts_app(make_settings, vendor) as (_, client):
        bare = await new_script(client)
        body = {"options": {"command_id": "fill_outline_next"}}
        missing = await client.post(f"/api/scripts/{bare}/command", json=body)
        assert_error(missing, 400, "BAD_REQUEST")
        assert missing.json()["error"]["message"] == "script project missing framework"
        script_id = await new_script(client, framework={"chapter_count": 60})
        started = await client.post(f"/api/scripts/{script_id}/generate")
        busy = await client.post(f"/api/scripts/{script_id}/generate")
        assert_error(busy, 409, "CONFLICT")
        assert busy.json()["error"]["details"]["task_id"] == started.json()["data"]["task_id"]
        assert (await wait_task(client, started.json()["data"]["task_id"]))["status"] == "completed"


async def test_deleting_a_script_cancels_its_outline_job(make_settings) -> None:
    async with writer_vendor(delay=0.3) as vendor, scripts_app(make_settings, vendor) as (_, client):
        script_id = await new_script(client, framework={"chapter_count": 200})
        started = await client.post(f"/api/scripts/{script_id}/generate")
        task_id = started.json()["data"]["task_id"]
        assert (await client.delete(f"/api/scripts/{script_id}")).status_code == 200
        task = await wait_task(client, task_id)
        assert task["status"] in ("cancelled", "failed")
        assert_error(await client.get(f"/api/scripts/{script_id}"), 404, "RESOURCE_NOT_FOUND")
