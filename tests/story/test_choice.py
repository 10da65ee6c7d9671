"""POST /story/choice: one decision per node on the current path, even under concurrency; a failed model call
frees the choice; the choice remembers the node it led to."""

from __future__ import annotations

import asyncio

import pytest

from tests.story.support import (
    GatedProvider,
    create_scene,
    current_node,
    excerpt,
    get_story,
    node_by_id,
    settle,
    vendor_configured,
)
from tests.support.builders import assert_error


def _choice_path(scene_id: str) -> str:
    return f"/api/scenes/{scene_id}/story/choice"


async def test_ten_concurrent_choices_on_one_node_exactly_one_wins(client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    story = await get_story(client, scene_id)
    node = current_node(story)
    ids = [choice["id"] for choice in node["choices"]]
    bodies = [{"node_id": node["id"], "choice_id": ids[i % len(ids)]} for i in range(10)]
    responses = await asyncio.gather(*(client.post(_choice_path(scene_id), json=body) for body in bodies))
    won = [r for r in responses if r.status_code == 200]
    lost = [r for r in responses if r.status_code != 200]
    assert len(won) == 1 and len(lost) == 9
    for response in lost:
        assert_error(response, 409, "CHOICE_ALREADY_MADE")
    next_node = won[0].json()["data"]["next_node"]
    after = await get_story(client, scene_id)
    generated = [n for n in after["nodes"] if n["source"] == "GENERATED"]
    assert [n["id"] for n in generated] == [next_node["id"]]  # nothing lost, nothing doubled
    assert len(after["nodes"]) == len(story["nodes"]) + 1
    selected = [c for c in node_by_id(after, node["id"])["choices"] if c["selected"]]
    assert len(selected) == 1 and selected[0]["next_node_id"] == next_node["id"]
    assert after["current_node_id"] == next_node["id"]


async def test_a_choice_in_flight_blocks_the_node_until_it_is_stored(app, client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    node = current_node(await get_story(client, scene_id))
    gated = GatedProvider(app, "story_next_node").install(app)
    first = asyncio.create_task(
        client.post(_choice_path(scene_id), json={"node_id": node["id"], "choice_id": node["choices"][0]["id"]})
    )
    await gated.waiting["story_next_node"].wait()  # the first claim holds the node while its model call runs
    others = await asyncio.gather(
        *(
            client.post(_choice_path(scene_id), json={"node_id": node["id"], "choice_id": choice["id"]})
            for choice in node["choices"] * 3
        )
    )
    for response in others:
        assert_error(response, 409, "CHOICE_ALREADY_MADE")
    gated.gates["story_next_node"].set()
    assert (await first).status_code == 200
    assert gated.calls.count("story_next_node") == 1


@pytest.fixture
def settings(make_settings):
    return make_settings(allow_private_provider_urls=True, llm_max_retries=0)


async def test_a_failed_model_call_stores_nothing_and_frees_the_choice(app, client) -> None:
    async with vendor_configured(app, client) as vendor:
        scene_id = await create_scene(client, excerpt(3000))
        await settle(client, scene_id)  # the background narration asks the vendor too
        story = await get_story(client, scene_id)
        node = current_node(story)
        body = {"node_id": node["id"], "choice_id": node["choices"][0]["id"]}
        vendor.plan("500")
        failed = await client.post(_choice_path(scene_id), json=body)
        assert_error(failed, 503, "LLM_SERVICE_UNAVAILABLE")
        unchanged = await get_story(client, scene_id)
        assert len(unchanged["nodes"]) == len(story["nodes"])
        assert not any(c["selected"] for c in node_by_id(unchanged, node["id"])["choices"])
        retried = await client.post(_choice_path(scene_id), json=body)
        assert retried.status_code == 200, retried.text


async def test_an_empty_narration_is_re_asked_then_answered_offline_and_labelled_never_stored_empty(
    app, client
) -> None:
    async with vendor_configured(app, client) as vendor:
        scene_id = await create_scene(client, excerpt(3000))
        await settle(client, scene_id)
        node = current_node(await get_story(client, scene_id))
        vendor.by_task["story_next_node"].extend(['{"content": "", "choices": []}'] * 2)
        response = await client.post(
            _choice_path(scene_id), json={"node_id": node["id"], "choice_id": node["choices"][0]["id"]}
        )
        assert response.status_code == 200, response.text
        assert not vendor.by_task["story_next_node"]  # both empty answers were asked for: the re-ask happened
        step = response.json()["data"]["next_node"]
        assert step["content"].strip()
        assert step["metadata"]["provider"] == "builtin" and step["metadata"]["offline"] is True
        assert "unusable JSON (content: empty" in step["metadata"]["fallback_reason"]


async def test_a_node_not_reached_cannot_be_chosen_from(client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    later = (await get_story(client, scene_id))["nodes"][2]
    response = await client.post(
        _choice_path(scene_id), json={"node_id": later["id"], "choice_id": later["choices"][0]["id"]}
    )
    assert_error(response, 409, "CONFLICT")


async def test_open_choices_are_the_current_nodes_and_never_null(client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    story = await get_story(client, scene_id)
    listed = (await client.get(f"/api/scenes/{scene_id}/story/choices")).json()["data"]
    assert [c["id"] for c in listed] == [c["id"] for c in current_node(story)["choices"]]
    shell = (await client.post("/api/scenes/shell", json={"title": "Empty"})).json()["data"]["id"]
    assert (await client.get(f"/api/scenes/{shell}/story/choices")).json()["data"] == []


async def test_bad_bodies_are_400(client) -> None:
    scene_id = await create_scene(client, excerpt(2000))
    for body in ({}, {"node_id": "x"}, {"choice_id": "x"}, {"node_id": "", "choice_id": "y"}, {"node_id": 3}):
        assert_error(await client.post(_choice_path(scene_id), json=body), 400, "BAD_REQUEST")
