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


async def test_choosing_offline_walks_forward_through_the_book_to_its_ending(client) -> None:
    """Each choice tells the next passage (never one already told), an advance in between goes on after it, and
    once the book is told a choice leads to the ending: progress 100%, every task resolved."""
    text = excerpt(3000)
    scene_id = await create_scene(client, text)
    await settle(client, scene_id)
    base = f"/api/scenes/{scene_id}/story"
    story = await get_story(client, scene_id)
    passages = sorted(
        (n for n in story["nodes"] if n["metadata"].get("original_segment_index") is not None),
        key=lambda n: n["metadata"]["original_segment_index"],
    )
    assert len(passages) >= 4
    told: list[int] = [passages[0]["metadata"]["original_segment_index"]]  # the first passage, shown at start
    progress = [story["progress"]]
    for step in range(len(passages) + 2):
        node = current_node(await get_story(client, scene_id))
        if node["type"] == "ending":
            break
        if step == 1:  # an advance between choices reveals the passage after the last one told
            advanced = (await client.post(f"{base}/advance")).json()["data"]["story_update"]
            revealed = next(n for n in passages if n["id"] == advanced["node_id"])
            told.append(revealed["metadata"]["original_segment_index"])
            node = current_node(await get_story(client, scene_id))
        choice = node["choices"][0]
        response = await client.post(f"{base}/choice", json={"node_id": node["id"], "choice_id": choice["id"]})
        assert response.status_code == 200, response.text
        next_node = response.json()["data"]["next_node"]
        progress.append(response.json()["data"]["story_data"]["progress"])
        if next_node["type"] != "ending":
            assert next_node["metadata"]["offline"] is True
            told.append(next_node["metadata"]["told_segment_index"])
    indices = [n["metadata"]["original_segment_index"] for n in passages]
    assert told == indices  # every passage once, in the book's order
    assert progress == sorted(progress) and progress[-1] == 100
    story = await get_story(client, scene_id)
    ending = current_node(story)
    assert ending["type"] == "ending" and story["progress"] == 100
    assert all(task["status"] == "completed" for task in story["tasks"])
    assert all(o["completed"] for task in story["tasks"] for o in task.get("objectives", []))
    last_told = next(n for n in story["nodes"] if n["id"] == ending["parent_id"])
    assert last_told["metadata"]["told_segment_index"] == indices[-1]  # the last passage was told, not dropped
    last_text = (await client.get(f"/api/scenes/{scene_id}/nodes/{passages[-1]['id']}/content")).json()["data"]
    assert last_text["original_content"].rstrip().endswith(text.strip()[-60:])
