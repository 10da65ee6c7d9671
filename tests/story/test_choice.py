"""POST /story/choice: one decision per node on the current path, even under concurrency; a failed model call
frees the choice; the choice remembers the node it led to."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import orjson
import pytest

from sceneintruder.core.clock import utcnow
from sceneintruder.story.choosing import IN_FLIGHT_EXPIRES
from sceneintruder.story.models import StoryChoice
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
from tests.support.state import story_of


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


async def test_a_claim_shows_in_the_cached_story_while_its_model_call_runs(app, client) -> None:
    """The claim writes through Core, not the ORM: it must still drop the cached StoryData and the node's JSON."""
    scene_id = await create_scene(client, excerpt(3000))
    await settle(client, scene_id)  # the initialisation's narration has written: nothing else writes from here on
    node = current_node(await get_story(client, scene_id))
    runtime = story_of(app)
    assert runtime.views.entries.get(scene_id) is not None  # StoryData and its nodes' JSON are cached
    assert runtime.node_views.entries.get(node["id"]) is not None
    assert not any(choice["selected"] for choice in node["choices"])
    gated = GatedProvider(app, "story_next_node").install(app)
    chosen = node["choices"][1]["id"]
    first = asyncio.create_task(client.post(_choice_path(scene_id), json={"node_id": node["id"], "choice_id": chosen}))
    await gated.waiting["story_next_node"].wait()
    during = node_by_id(await get_story(client, scene_id), node["id"])  # StoryData rebuilt, this node re-encoded
    assert [c["id"] for c in during["choices"] if c["selected"]] == [chosen]
    assert [c["id"] for c in during["choices"] if c["is_selected"]] == [chosen]
    gated.gates["story_next_node"].set()
    assert (await first).status_code == 200


async def test_a_rewind_past_the_node_during_the_model_call_undoes_the_claim_and_stores_nothing(app, client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    await settle(client, scene_id)
    start = current_node(await get_story(client, scene_id))
    taken = await client.post(
        _choice_path(scene_id), json={"node_id": start["id"], "choice_id": start["choices"][0]["id"]}
    )
    middle = taken.json()["data"]["next_node"]
    gated = GatedProvider(app, "story_next_node").install(app)
    body = {"node_id": middle["id"], "choice_id": middle["choices"][0]["id"]}
    pending = asyncio.create_task(client.post(_choice_path(scene_id), json=body))
    await gated.waiting["story_next_node"].wait()
    rewound = await client.post(f"/api/scenes/{scene_id}/story/rewind", json={"node_id": start["id"]})
    assert rewound.status_code == 200, rewound.text
    before = await get_story(client, scene_id)  # cached: the store's undoing must drop it
    gated.gates["story_next_node"].set()
    refused = assert_error(await pending, 409, "CONFLICT")
    assert refused["error"]["details"] == middle["id"]
    after = await get_story(client, scene_id)
    assert [n["id"] for n in after["nodes"]] == [n["id"] for n in before["nodes"]]  # nothing stored
    assert after["current_node_id"] == start["id"]
    left = node_by_id(after, middle["id"])
    assert left["abandoned"] is True
    assert not any(c["selected"] for c in left["choices"])  # the claim is undone, in the cached answer too


async def _claim_left_at(app, choice_id: str, selected_at: datetime) -> None:
    """A claim as a request that crashed during its model call leaves it: selected, no node stored."""
    async with app.state.db.writer() as session:
        choice = await session.get(StoryChoice, choice_id)
        choice.selected, choice.selected_at, choice.next_node_id = True, selected_at, None
        await session.commit()


async def test_a_claim_left_by_a_crashed_request_blocks_the_node_until_it_expires(app, client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    node = current_node(await get_story(client, scene_id))
    left, other = node["choices"][0]["id"], node["choices"][1]["id"]
    body = {"node_id": node["id"], "choice_id": other}
    await _claim_left_at(app, left, utcnow() - IN_FLIGHT_EXPIRES + timedelta(minutes=1))
    refused = assert_error(await client.post(_choice_path(scene_id), json=body), 409, "CHOICE_ALREADY_MADE")
    assert refused["error"]["details"] == {"node_id": node["id"], "choice_id": left}
    await _claim_left_at(app, left, utcnow() - IN_FLIGHT_EXPIRES - timedelta(minutes=1))
    taken = await client.post(_choice_path(scene_id), json=body)
    assert taken.status_code == 200, taken.text
    after = node_by_id(await get_story(client, scene_id), node["id"])
    led = {c["id"]: c.get("next_node_id") for c in after["choices"]}  # omitted while it led nowhere
    assert led == {left: None, other: taken.json()["data"]["next_node"]["id"]}


async def test_choices_of_an_unknown_node_or_another_scenes_are_404(client) -> None:
    scene_id = await create_scene(client, excerpt(2000))
    other_scene = await create_scene(client, excerpt(2000))
    elsewhere = current_node(await get_story(client, other_scene))
    for node_id in ("node_1_doesnotexist00", elsewhere["id"], "not an id; drop table"):
        body = {"node_id": node_id, "choice_id": elsewhere["choices"][0]["id"]}
        assert_error(await client.post(_choice_path(scene_id), json=body), 404, "NODE_NOT_FOUND")
    here = current_node(await get_story(client, scene_id))
    body = {"node_id": here["id"], "choice_id": elsewhere["choices"][0]["id"]}
    assert_error(await client.post(_choice_path(scene_id), json=body), 404, "CHOICE_INVALID")


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


async def test_a_node_that_brings_a_task_a_place_and_an_object_stores_them_with_it(app, client) -> None:
    """What the model's node brought goes through the ORM, the node and its choices through Core, in one
    transaction: all of it is in the answer, which equals the story read afresh with nothing cached."""
    async with vendor_configured(app, client) as vendor:
        scene_id = await create_scene(client, excerpt(3000))
        await settle(client, scene_id)
        node = current_node(await get_story(client, scene_id))
        reply = {
            "content": "In the Old Orchard you find a silver locket.",
            "type": "event",
            "choices": [{"text": "Open it", "consequence": "a portrait"}, {"text": "Leave", "consequence": "quiet"}],
            "new_task": {"title": "Return the locket", "objectives": ["Find its owner"]},
            "new_location": {"name": "Old Orchard", "description": "Apple trees", "accessible": False},
            "new_item": {"name": "silver locket", "description": "Engraved"},
        }
        vendor.by_task["story_next_node"].append(orjson.dumps(reply).decode())
        response = await client.post(
            _choice_path(scene_id), json={"node_id": node["id"], "choice_id": node["choices"][0]["id"]}
        )
        assert response.status_code == 200, response.text
        answered = response.json()["data"]
        step, story = answered["next_node"], answered["story_data"]
        assert [c["text"] for c in step["choices"]] == ["Open it", "Leave"]
        assert step["metadata"]["current_location_name"] == "Old Orchard"
        orchard = next(loc for loc in story["locations"] if loc["name"] == "Old Orchard")
        assert orchard["accessible"] is True  # the node happens there: it opened
        assert any(t["title"] == "Return the locket" for t in story["tasks"])
        items = (await client.get(f"/api/scenes/{scene_id}/items")).json()["data"]
        locket = next(item for item in items["owned_items"] if item["name"] == "silver locket")  # the player holds it
        assert locket["id"] in step["related_item_ids"]
        runtime = story_of(app)
        runtime.views.entries.clear()
        runtime.node_views.entries.clear()
        assert await get_story(client, scene_id) == story
