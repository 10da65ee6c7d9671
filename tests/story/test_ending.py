"""Offline, a story played to the end of the book ends: an `ending` node after the last passage, every task and
objective resolved, progress 100%, and no empty nodes after it however often the player advances."""

from __future__ import annotations

from tests.story.support import create_scene, current_node, excerpt, get_story, settle


async def test_advancing_offline_walks_the_book_and_ends_at_100_percent(client) -> None:
    text = excerpt(3000)
    scene_id = await create_scene(client, text)
    await settle(client, scene_id)
    base = f"/api/scenes/{scene_id}/story"
    passages = len([n for n in (await get_story(client, scene_id))["nodes"] if n["original_content"]])
    updates = []
    for _ in range(passages + 1):
        response = await client.post(f"{base}/advance")
        assert response.status_code == 200, response.text
        updates.append(response.json()["data"]["story_update"])
        if updates[-1]["type"] == "ending":
            break
    assert updates[-1]["type"] == "ending" and updates[-1]["offline"] is True
    assert all(u["type"] != "ending" for u in updates[:-1])
    story = await get_story(client, scene_id)
    assert story["progress"] == 100
    assert current_node(story)["id"] == updates[-1]["node_id"]
    assert all(task["status"] == "completed" for task in story["tasks"])
    assert all(o["completed"] for task in story["tasks"] for o in task.get("objectives", []))
    passage = next(n for n in story["nodes"] if n["id"] == current_node(story)["parent_id"])  # the book's last
    full = (await client.get(f"/api/scenes/{scene_id}/nodes/{passage['id']}/content")).json()["data"]
    assert full["original_content"].rstrip().endswith(text.strip()[-60:])  # the last line is not dropped
    again = await client.post(f"{base}/advance")
    assert again.json()["data"]["story_update"]["node_id"] == updates[-1]["node_id"]  # the same ending
    assert len((await get_story(client, scene_id))["nodes"]) == len(story["nodes"])  # no empty node after it
