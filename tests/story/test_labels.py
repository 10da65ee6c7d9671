"""Offline story output says it is offline wherever it appears: the nodes and choices a choice, an advance, an
exploration or the narration made (`content_source`/`source` "offline", `provider`/`offline` in their
metadata), and the answers of advance, command and explore. No model ran, so nothing claims to be an LLM's."""

from __future__ import annotations

from tests.story.support import create_scene, current_node, excerpt, get_story, node_by_id, settle

OFFLINE = {"provider": "builtin", "model": "builtin", "offline": True}


def _labels(values: dict) -> dict:
    return {key: values.get(key) for key in OFFLINE}


async def test_a_choice_makes_a_node_and_choices_labelled_offline(client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    await settle(client, scene_id)
    story = await get_story(client, scene_id)
    narrated = [n for n in story["nodes"] if n["metadata"].get("segment_enhanced")]
    assert narrated, "the offline narration ran"
    for node in narrated:  # narrated passages: the offline provider wrote them
        assert _labels(node["metadata"]) == OFFLINE
    node = current_node(story)
    made = await client.post(
        f"/api/scenes/{scene_id}/story/choice", json={"node_id": node["id"], "choice_id": node["choices"][0]["id"]}
    )
    assert made.status_code == 200, made.text
    after = node_by_id(await get_story(client, scene_id), made.json()["data"]["next_node"]["id"])
    assert _labels(after["metadata"]) == OFFLINE
    assert after["choices"] and {c["source"] for c in after["choices"]} == {"offline"}
    assert all(_labels(c["metadata"]) == OFFLINE for c in after["choices"])


async def test_advance_command_and_explore_answers_say_who_wrote_them(client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    await settle(client, scene_id)
    base = f"/api/scenes/{scene_id}/story"
    advanced = await client.post(f"{base}/advance")
    assert advanced.status_code == 200, advanced.text
    assert _labels(advanced.json()["data"]["story_update"]) == OFFLINE
    commanded = await client.post(f"{base}/command", json={"input": "look around the room"})
    assert commanded.status_code == 200, commanded.text
    answer = commanded.json()["data"]
    assert _labels(answer) == OFFLINE
    story = await get_story(client, scene_id)
    suggested = [c for c in current_node(story)["choices"] if c["source"] == "command"]
    assert [c["id"] for c in suggested] == [s["id"] for s in answer["choice_suggestions"]]
    assert suggested and all(_labels(c["metadata"]) == OFFLINE for c in suggested)  # stored, labelled
    place = next((loc for loc in story["locations"] if loc["accessible"]), story["locations"][0])
    if not place["accessible"]:
        assert (await client.post(f"{base}/locations/{place['id']}/unlock")).status_code == 200
    explored = await client.post(f"{base}/locations/{place['id']}/explore")
    assert explored.status_code == 200, explored.text
    assert _labels(explored.json()["data"]) == OFFLINE


async def test_the_story_export_says_it_was_made_offline(client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    await settle(client, scene_id)
    base = f"/api/scenes/{scene_id}/export/story"
    result = (await client.get(base)).json()["data"]
    assert result["offline"] is True and result["notice"].startswith("Generated offline")
    assert "> **Generated offline" in (await client.get(f"{base}?format=markdown")).text
