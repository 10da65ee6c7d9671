"""POST /story/rewind: back to a node of the current path; later nodes archived (abandoned) or unread again,
listed in removed_node_ids; later messages hidden but kept; a different choice then keeps both branches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from sceneintruder.scenes.models import ConversationMessage
from tests.story.support import create_scene, current_node, excerpt, get_story, node_by_id
from tests.support.builders import assert_error


async def _choose(client, scene_id: str, node_id: str, choice_id: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/scenes/{scene_id}/story/choice", json={"node_id": node_id, "choice_id": choice_id}
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["next_node"]


async def _rewind(client, scene_id: str, node_id: str) -> dict[str, Any]:
    response = await client.post(f"/api/scenes/{scene_id}/story/rewind", json={"node_id": node_id})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _find(trees: list[dict[str, Any]], node_id: str) -> dict[str, Any] | None:
    for tree in trees:
        if tree["id"] == node_id:
            return tree
        found = _find(tree.get("children", []), node_id)
        if found is not None:
            return found
    return None


async def test_rewind_then_a_different_choice_keeps_both_branches(client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    start = current_node(await get_story(client, scene_id))
    first, second = start["choices"][0], start["choices"][1]
    left = await _choose(client, scene_id, start["id"], first["id"])
    rewound = await _rewind(client, scene_id, start["id"])
    assert rewound["removed_node_ids"] == [left["id"]]
    assert rewound["story"]["current_node_id"] == start["id"]
    assert node_by_id(rewound["story"], left["id"])["abandoned"] is True
    freed = next(c for c in rewound["target_node"]["choices"] if c["id"] == first["id"])
    assert freed["selected"] is False and freed["next_node_id"] == left["id"]  # free again; history kept

    right = await _choose(client, scene_id, start["id"], second["id"])
    tree = (await client.get(f"/api/scenes/{scene_id}/story/branches")).json()["data"]
    root = _find(tree["root_nodes"], start["id"])
    assert root is not None
    children = {child["id"]: child for child in root["children"]}
    assert {left["id"], right["id"]} <= children.keys()
    assert children[left["id"]]["is_active"] is False and children[left["id"]]["abandoned"] is True
    assert children[right["id"]]["is_active"] is True
    assert set(tree["current_path"]) == {start["id"], right["id"]}
    choices = {c["id"]: c for c in root["choices"]}
    assert choices[second["id"]]["selected"] and choices[second["id"]]["next_node_id"] == right["id"]
    assert choices[first["id"]]["next_node_id"] == left["id"]
    unread = [n["id"] for n in (await get_story(client, scene_id))["nodes"][1:] if n["source"] == "SYSTEM"]
    assert not any(_find(tree["root_nodes"], node_id) for node_id in unread)  # the tree never spoils the plot

    again = await client.post(
        f"/api/scenes/{scene_id}/story/choice", json={"node_id": start["id"], "choice_id": first["id"]}
    )
    assert_error(again, 409, "CHOICE_ALREADY_MADE")  # this node's decision stands on the current path


async def test_a_rewind_makes_passages_unread_and_advance_reads_them_again(client) -> None:
    scene_id = await create_scene(client, excerpt(4000))
    story = await get_story(client, scene_id)
    first, second = story["nodes"][0], story["nodes"][1]
    await client.post(f"/api/scenes/{scene_id}/story/advance")
    progressed = (await get_story(client, scene_id))["progress"]
    rewound = await _rewind(client, scene_id, first["id"])
    assert rewound["removed_node_ids"] == [second["id"]]
    assert rewound["progress"] < progressed and not node_by_id(rewound["story"], second["id"])["is_revealed"]
    again = (await client.post(f"/api/scenes/{scene_id}/story/advance")).json()["data"]
    assert again["story_update"]["title"] == second["id"]  # the same passage, not an abandoned branch


async def test_later_messages_are_hidden_but_kept(app, client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    start = current_node(await get_story(client, scene_id))
    await client.post(f"/api/scenes/{scene_id}/story/command", json={"input": "I wait by the window"})
    kept = (await client.get(f"/api/scenes/{scene_id}/conversations")).json()["data"]
    branch = await _choose(client, scene_id, start["id"], start["choices"][0]["id"])
    await client.post(f"/api/scenes/{scene_id}/story/command", json={"input": "I follow Mr. Bennet"})
    await client.post(f"/api/scenes/{scene_id}/story/advance")
    assert len((await client.get(f"/api/scenes/{scene_id}/conversations")).json()["data"]) == len(kept) + 4

    await _rewind(client, scene_id, start["id"])
    shown = (await client.get(f"/api/scenes/{scene_id}/conversations")).json()["data"]
    assert [m["id"] for m in shown] == [m["id"] for m in kept]
    assert not any(m["node_id"] == branch["id"] for m in shown)
    async with app.state.db.reader() as session:
        stored = await session.scalar(
            select(func.count()).select_from(ConversationMessage).where(ConversationMessage.scene_id == scene_id)
        )
    assert stored == len(kept) + 4  # hidden, not deleted

    restarted = await _rewind(client, scene_id, "new_start")
    assert restarted["target_node_id"] == start["id"] and restarted["removed_node_ids"] == []
    shown = (await client.get(f"/api/scenes/{scene_id}/conversations")).json()["data"]
    assert [(m["speaker_id"], m["conversation_type"], m["node_id"]) for m in shown] == [
        ("story", "story_original", start["id"])
    ]
    assert restarted.keys() >= {
        "story",
        "story_data",
        "branch_view",
        "target_node",
        "target_node_id",
        "progress",
        "current_state",
        "removed_node_ids",
    }


async def test_rewind_targets_must_be_on_the_current_path(client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    story = await get_story(client, scene_id)
    base = f"/api/scenes/{scene_id}/story/rewind"
    assert_error(await client.post(base, json={"node_id": story["nodes"][2]["id"]}), 409, "CONFLICT")
    assert_error(await client.post(base, json={"node_id": "node_missing"}), 404, "NODE_NOT_FOUND")
    assert_error(await client.post(base, json={}), 400, "BAD_REQUEST")
    shell = (await client.post("/api/scenes/shell", json={"title": "Empty"})).json()["data"]["id"]
    assert_error(
        await client.post(f"/api/scenes/{shell}/story/rewind", json={"node_id": "new_start"}), 404, "STORY_NOT_FOUND"
    )
