"""POST /api/scenes/:id/reanalyze: a scene analysed offline is analysed again once a vendor is configured, as a
job; the result is merged, so characters keep their ids (chats and story stay), items a writer added stay, and
the scene says which provider made its current analysis."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from tests.fakes.openai_compatible import FakeOpenAI
from tests.story.support import create_scene, excerpt
from tests.support.builders import assert_error, bearer, make_user, token_for
from tests.support.vendors import openai_provider

VENDOR_ANALYSIS = {
    "characters": [
        {"name": "Elizabeth Bennet", "aliases": ["Elizabeth", "Lizzy"], "role": "heroine", "mentions": 9,
         "description": "Second daughter of the Bennets, quick-witted.", "relationships": {"Jane": "sister"}},
        {"name": "Jane", "role": "sister", "mentions": 3},  # in the text, not in the offline cast
        {"name": "Mr. Darcy", "aliases": ["Darcy"], "role": "hero", "mentions": 5},  # not in the excerpt: dropped
    ],
    "locations": [{"name": "Netherfield Park"}],
    "items": [{"name": "letter", "description": "From Jane."}],
    "era": "Regency",
    "atmosphere": "witty",
    "themes": ["marriage"],
    "summary": "A ball, a slight, and a family's hopes.",
}  # fmt: skip


@pytest.fixture
def settings(make_settings):
    return make_settings(allow_private_provider_urls=True, llm_max_retries=0, story_narrate_ahead=0)


async def _finished(client: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    async with asyncio.timeout(60):
        while True:
            task = (await client.get(f"/api/tasks/{task_id}")).json()["data"]
            if task["status"] in ("completed", "failed", "cancelled"):
                return task
            await asyncio.sleep(0.02)


def _by_name(characters: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(c for c in characters if c["name"] == name)


async def test_an_offline_scene_reanalysed_by_a_vendor_keeps_its_characters_chats_and_items(app, client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    before = (await client.get(f"/api/scenes/{scene_id}/characters")).json()["data"]
    elizabeth = _by_name(before, "Lizzy")  # the offline cast knows her by the name her father calls her
    said = await client.post("/api/chat", json={"scene_id": scene_id, "character_id": elizabeth["id"], "message": "Hi"})
    assert said.status_code == 200, said.text
    mine = await client.post(f"/api/scenes/{scene_id}/items", json={"name": "Letter", "description": "mine, typed"})
    assert mine.status_code == 201, mine.text
    fake = FakeOpenAI()
    fake.default_reply = json.dumps(VENDOR_ANALYSIS)
    async with openai_provider(app, client, fake):
        started = await client.post(f"/api/scenes/{scene_id}/reanalyze")
        assert started.status_code == 202, started.text
        task = await _finished(client, started.json()["data"]["task_id"])
    assert task["status"] == "completed", task
    result = task["result"]
    assert (result["scene_id"], result["provider"], result["offline"]) == (scene_id, "openai", False)
    assert result["characters_added"] >= 1 and result["characters_kept"] >= 1
    scene = (await client.get(f"/api/scenes/{scene_id}")).json()["data"]
    analysis = scene["scene"]["analysis"]
    assert (analysis["provider"], analysis["offline"], analysis["previous_provider"]) == ("openai", False, "builtin")
    assert scene["scene"]["summary"] == VENDOR_ANALYSIS["summary"] and scene["scene"]["era"] == "Regency"
    after = scene["characters"]
    kept = next(c for c in after if c["id"] == elizabeth["id"])  # matched by alias; same id: her chats follow
    assert kept["name"] == "Elizabeth Bennet" and kept["description"] == "Second daughter of the Bennets, quick-witted."
    assert {"Elizabeth", "Lizzy"} <= set(kept["aliases"])
    jane = _by_name(after, "Jane")
    assert jane["id"] not in {c["id"] for c in before}  # added
    assert [(r["character_id"], r["relation"]) for r in kept["relations"]] == [(jane["id"], "sister")]
    assert "Mr. Darcy" not in {c["name"] for c in after}  # a name the text never uses is the model's invention
    assert len(after) >= len(before)  # characters the vendor did not name are kept, not dropped
    log = (await client.get(f"/api/scenes/{scene_id}/conversations")).json()["data"]
    assert elizabeth["id"] in {m["speaker_id"] for m in log}
    items = (await client.get(f"/api/scenes/{scene_id}/items")).json()["data"]["scene_items"]
    assert any(i["name"] == "Letter" and i["description"] == "mine, typed" for i in items)  # the writer's item
    assert any(i["name"] == "letter" and i["description"] == "From Jane." for i in items)  # the analysis' item


async def test_reanalyze_refuses_shells_unknown_and_foreign_scenes(app, client) -> None:
    shell = (await client.post("/api/scenes/shell", json={"title": "Empty"})).json()["data"]["id"]
    assert_error(await client.post(f"/api/scenes/{shell}/reanalyze"), 400, "BAD_REQUEST")
    assert_error(await client.post("/api/scenes/scene_nope/reanalyze"), 404, "SCENE_NOT_FOUND")
    await make_user(app, "mallory")
    mine = await create_scene(client, excerpt(1200))
    other = await client.post(f"/api/scenes/{mine}/reanalyze", headers=bearer(token_for(app, "mallory")))
    assert_error(other, 404, "SCENE_NOT_FOUND")
