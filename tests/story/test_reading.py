"""Reading the story in the reference's shapes: StoryData, node content, the aggregate, exports; shell scenes;
a Chinese story in Chinese."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.story.support import CHINESE, create_scene, current_node, excerpt, get_story, settle
from tests.support.builders import assert_error

NODE_KEYS = {
    "id",
    "scene_id",
    "content",
    "original_content",
    "type",
    "choices",
    "is_revealed",
    "created_at",
    "source",
    "metadata",
    "related_item_ids",
}
CHOICE_KEYS = {
    "id",
    "text",
    "consequence",
    "next_node_hint",
    "selected",
    "created_at",
    "description",
    "type",
    "impact",
    "order",
}


@pytest.fixture
def settings(make_settings):
    return make_settings(story_narrate_ahead=3)  # some passages stay as the source text


async def test_story_data_has_the_reference_keys(client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    await settle(client, scene_id)
    story = await get_story(client, scene_id)
    assert story.keys() >= {
        "scene_id",
        "intro",
        "main_objective",
        "current_state",
        "progress",
        "nodes",
        "tasks",
        "locations",
        "last_updated",
    }
    assert isinstance(story["progress"], int) and isinstance(story["current_state"], str)
    for node in story["nodes"]:
        assert node.keys() >= NODE_KEYS
        assert all(choice.keys() >= CHOICE_KEYS for choice in node["choices"])
        assert len(node["original_content"]) <= 603  # cut to 600 characters (and "...")
    task = story["tasks"][0]
    assert task.keys() >= {"id", "title", "objectives", "status", "completed", "is_revealed", "priority", "type"}
    assert story["locations"][0].keys() >= {"id", "name", "description", "accessible", "requires_item", "source"}


async def test_node_content_is_the_whole_passage(client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    node = (await get_story(client, scene_id))["nodes"][1]
    data = (await client.get(f"/api/scenes/{scene_id}/nodes/{node['id']}/content")).json()["data"]
    assert data.keys() == {
        "node",
        "content",
        "original_content",
        "related_item_ids",
        "metadata",
        "character_links",
        "interaction_triggers",
    }
    assert data["node"]["id"] == node["id"] and data["original_content"] in excerpt(3000)
    assert len(data["original_content"]) >= len(node["original_content"]) - 3


async def test_the_aggregate_has_the_reference_shape_and_changes_nothing(client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    await settle(client, scene_id)
    before = await get_story(client, scene_id)
    data = (await client.get(f"/api/scenes/{scene_id}/aggregate")).json()["data"]
    assert data.keys() >= {
        "scene",
        "characters",
        "story",
        "current_node",
        "available_choices",
        "recent_conversations",
        "ui_state",
        "progress",
        "last_updated",
        "version",
    }
    assert data["current_node"]["id"] == before["current_node_id"]
    assert [c["id"] for c in data["available_choices"]] == [c["id"] for c in current_node(before)["choices"]]
    assert data["ui_state"]["current_tab"] == "chat" and data["ui_state"]["notifications"][0]["id"] == "welcome"
    assert 0 <= data["progress"]["story_completion"] <= 1 and data["version"] == "1.0"
    lean = (await client.get(f"/api/scenes/{scene_id}/aggregate", params={"include_story": "yes"})).json()["data"]
    assert lean["story"] is None  # only the exact string "true" counts
    assert await get_story(client, scene_id) == before
    assert_error(
        await client.get(f"/api/scenes/{scene_id}/aggregate", params={"conversation_limit": 5000}), 400, "BAD_REQUEST"
    )


async def test_a_shell_scene_has_an_empty_story_that_advance_continues_freely(client) -> None:
    shell = (
        await client.post("/api/scenes/shell", json={"title": "Harbour", "description": "A harbour at night."})
    ).json()["data"]["id"]
    empty = await get_story(client, shell)
    assert empty["nodes"] == [] and empty["init_status"] == "none" and empty["current_node_id"] is None
    first = (await client.post(f"/api/scenes/{shell}/story/advance")).json()["data"]
    node_id = first["story_update"]["title"]
    story = first["story_data"]
    assert story["current_node_id"] == node_id and story["init_status"] == "ready"
    assert (
        story["nodes"][0]["type"] == "continuation" and story["nodes"][0]["content"] == first["story_update"]["content"]
    )
    second = (await client.post(f"/api/scenes/{shell}/story/advance")).json()["data"]
    follow = next(n for n in second["story_data"]["nodes"] if n["id"] == second["story_update"]["title"])
    assert follow["parent_id"] == node_id


async def test_exports_in_every_format(client) -> None:
    scene_id = await create_scene(client, excerpt(3000))
    await client.post(f"/api/scenes/{scene_id}/story/advance")
    base = f"/api/scenes/{scene_id}/export/story"
    result = (await client.get(base)).json()["data"]
    assert result["export_type"] == "story" and result["format"] == "json" and result["title"].endswith("Story")
    document = json.loads(result["content"])
    assert document.keys() == {"scene_info", "story_data", "summary", "statistics", "characters", "export_info"}
    stats = document["statistics"]
    assert stats["revealed_nodes"] == 2 and stats["total_nodes"] == len(document["story_data"]["nodes"])
    assert result["stats"] == stats and result["file_size"] == len(result["content"].encode())
    for fmt, media in (
        ("markdown", "text/markdown"),
        ("txt", "text/plain"),
        ("html", "text/html"),
        ("csv", "text/csv"),
    ):
        response = await client.get(base, params={"format": fmt})
        assert response.status_code == 200 and response.headers["content-type"].startswith(media)
        assert "attachment;" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO((await client.get(base, params={"format": "csv"})).text)))
    assert rows[0] == ["section", "item", "field", "value"] and any(row[0] == "path" for row in rows)
    assert_error(await client.get(base, params={"format": "pdf"}), 400, "EXPORT_FORMAT_INVALID")
    shell = (await client.post("/api/scenes/shell", json={"title": "Empty"})).json()["data"]["id"]
    assert_error(await client.get(f"/api/scenes/{shell}/export/story"), 404, "EXPORT_DATA_EMPTY")


async def test_a_chinese_story_speaks_chinese(client) -> None:
    scene_id = await create_scene(client, CHINESE, title="红楼梦")
    await settle(client, scene_id)
    story = await get_story(client, scene_id)
    assert story["current_state"] == "初始"
    template = [n for n in story["nodes"] if n["choices"] and n["choices"][0]["source"] == "system"]
    assert template and all(n["choices"][0]["text"] == "继续前行" for n in template)  # beyond the narrated ones
    narrated = current_node(story)
    assert narrated["content"] and any("\u4e00" <= ch <= "\u9fff" for ch in narrated["content"])
    update = (await client.post(f"/api/scenes/{scene_id}/story/advance")).json()["data"]["story_update"]
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in update["content"]) > len(update["content"]) / 2
