"""The reference frontend's story page, step by step: create a scene, GET /story, advance, choice, command,
insert, rewind, choice again; with the built-in provider and with a vendor (a fake OpenAI server)."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.story.support import (
    ENGLISH,
    create_scene,
    current_node,
    excerpt,
    get_story,
    node_by_id,
    vendor_configured,
)


@pytest.fixture
def settings(make_settings):
    return make_settings(allow_private_provider_urls=True)


async def _post(client: AsyncClient, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["success"] is True
    return payload["data"]


async def _log(client: AsyncClient, scene_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/scenes/{scene_id}/conversations", params={"limit": 100})
    return response.json()["data"]


async def play_the_story_page(client: AsyncClient, text: str) -> dict[str, Any]:
    """The UI's sequence; asserts what the UI reads at each step. Returns what the vendor test checks."""
    scene_id = await create_scene(client, text)
    base = f"/api/scenes/{scene_id}/story"

    story = await get_story(client, scene_id)
    passages = [node for node in story["nodes"] if node["metadata"].get("original_segment_index") is not None]
    assert len(passages) == len(story["nodes"]) >= 4  # every segment of the text is a node
    first, second, third = passages[0], passages[1], passages[2]
    assert story["current_node_id"] == first["id"] and first["is_revealed"]
    assert not any(node["is_revealed"] for node in passages[1:])
    assert story["current_state"] and 0 <= story["progress"] <= 100

    advanced = await _post(client, f"{base}/advance")
    update = advanced["story_update"]
    assert update["title"] == second["id"] and update["content"].strip() and update["source"] == "GENERATED"
    assert advanced["story_data"]["current_node_id"] == second["id"]
    assert node_by_id(advanced["story_data"], second["id"])["is_revealed"]
    log = await _log(client, scene_id)
    assert [(m["speaker_id"], m["conversation_type"], m["node_id"]) for m in log[-2:]] == [
        ("story", "story_original", second["id"]),
        ("console_story", "story_console", second["id"]),
    ]

    at = current_node(advanced["story_data"])
    taken = at["choices"][0]
    chose = await _post(client, f"{base}/choice", {"node_id": at["id"], "choice_id": taken["id"]})
    generated = chose["next_node"]
    assert generated["parent_id"] == at["id"] and generated["content"].strip() and generated["is_revealed"]
    assert generated["source"] == "GENERATED" and generated["choices"]
    assert chose["story_data"]["current_node_id"] == generated["id"]
    recorded = next(c for c in node_by_id(chose["story_data"], at["id"])["choices"] if c["id"] == taken["id"])
    assert recorded["selected"] is True and recorded["next_node_id"] == generated["id"]

    console = await _post(client, f"{base}/command", {"input": "I look around the drawing room", "mode": "story"})
    assert console["reply"].strip() and console["mode"] == "story" and console["fallback_used"] is False
    assert console["choice_node_id"] == generated["id"] and 1 <= len(console["choice_suggestions"]) <= 4
    story = await get_story(client, scene_id)
    offered = node_by_id(story, generated["id"])["choices"]
    assert [c["id"] for c in offered[: len(generated["choices"])]] == [c["id"] for c in generated["choices"]]
    assert {s["id"] for s in console["choice_suggestions"]} <= {c["id"] for c in offered}

    inserted = await _post(client, f"{base}/nodes/{third['id']}/insert", {})
    assert inserted["node"]["id"] == third["id"] and inserted["node"]["is_revealed"]
    assert inserted["content"] == (inserted["node"]["content"] or inserted["node"]["original_content"])
    story = await get_story(client, scene_id)
    assert story["current_node_id"] == third["id"]
    assert (await _log(client, scene_id))[-1]["node_id"] == third["id"]

    rewound = await _post(client, f"{base}/rewind", {"node_id": generated["id"], "target_node_id": generated["id"]})
    assert rewound["removed_node_ids"] == [third["id"]] and rewound["target_node_id"] == generated["id"]
    assert rewound["story"]["current_node_id"] == generated["id"]
    assert rewound["target_node"]["id"] == generated["id"]
    assert rewound["story_data"]["current_path"] == rewound["branch_view"]["current_path"]
    assert third["id"] not in rewound["branch_view"]["current_path"]
    assert all(m["node_id"] != third["id"] for m in await _log(client, scene_id))  # hidden, not shown

    suggestion = console["choice_suggestions"][0]
    again = await _post(client, f"{base}/choice", {"node_id": generated["id"], "choice_id": suggestion["id"]})
    assert again["next_node"]["parent_id"] == generated["id"]
    assert again["story_data"]["current_node_id"] == again["next_node"]["id"]
    return {"scene_id": scene_id, "passages": passages}


async def test_the_story_page_with_the_builtin_provider(client) -> None:
    await play_the_story_page(client, excerpt(4500))


async def test_the_story_page_with_a_vendor(app, client) -> None:
    async with vendor_configured(app, client) as vendor:
        played = await play_the_story_page(client, excerpt(4500))
        passages = played["passages"]
        asked = set(vendor.tasks)
        assert {"scene_analysis", "story_segment", "story_next_node", "story_command", "text"} <= asked
        later = [p["original_content"][:120] for p in passages[4:]]  # never reached, never sent
        for task in ("story_next_node", "story_command", "text"):
            for body in vendor.chat_bodies(task):
                sent = "\n".join(message["content"] for message in body["messages"])
                assert not any(chunk in sent for chunk in later), task
        story = await get_story(client, played["scene_id"])
        generated = [n for n in story["nodes"] if n["source"] == "GENERATED"]
        assert {n["content"] for n in generated} == {"Vendor: what follows your choice."}
        assert any(t["title"] == "Find the letter" for t in story["tasks"])  # the node's new_task was stored


async def test_a_long_text_keeps_every_prompt_bounded(app, client) -> None:
    async with vendor_configured(app, client) as vendor:
        scene_id = await create_scene(client, ENGLISH)
        for _ in range(6):
            await _post(client, f"/api/scenes/{scene_id}/story/advance")
        story = await get_story(client, scene_id)
        node = current_node(story)
        await _post(
            client,
            f"/api/scenes/{scene_id}/story/choice",
            {"node_id": node["id"], "choice_id": node["choices"][0]["id"]},
        )
        for task in ("text", "story_next_node"):
            sizes = [sum(len(m["content"]) for m in body["messages"]) for body in vendor.chat_bodies(task)]
            assert sizes and max(sizes) < 12_000, (task, sizes)
