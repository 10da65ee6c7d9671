"""GET /api/scenes/:id/export/interactions in every format."""

from __future__ import annotations

import csv
import io
import json

from tests.support.builders import assert_error


async def _exchanges(client, headers, scene) -> tuple[dict, list[dict]]:
    ids = scene.ids("Elizabeth", "Darcy")
    trigger = {"scene_id": scene.id, "character_ids": ids, "topic": "the ball"}
    interaction = (await client.post("/api/interactions/trigger", headers=headers, json=trigger)).json()["data"]
    simulate = {"scene_id": scene.id, "character_ids": ids, "initial_situation": "Rain", "number_of_turns": 2}
    simulation = (await client.post("/api/interactions/simulate", headers=headers, json=simulate)).json()["data"]
    chat = {"scene_id": scene.id, "character_id": ids[0], "message": "A plain chat, not an exchange."}
    await client.post("/api/chat", headers=headers, json=chat)
    return interaction, simulation


async def test_json_export_is_the_reference_export_result(client, alice, scene) -> None:
    interaction, simulation = await _exchanges(client, alice, scene)
    response = await client.get(f"/api/scenes/{scene.id}/export/interactions", headers=alice)
    assert response.status_code == 200, response.text
    result = response.json()["data"]
    assert result["format"] == "json" and result["export_type"] == "interactions"
    assert result["title"] == "Pride and Prejudice - Interaction Summary"
    assert result["file_size"] == len(result["content"].encode())
    document = json.loads(result["content"])
    assert set(document) == {"scene_info", "summary", "statistics", "characters", "conversations", "export_info"}
    lines = interaction["dialogues"] + simulation
    assert [m["id"] for m in document["conversations"]] == [line["message_id"] for line in lines]
    stats = document["statistics"]
    assert (stats["total_interactions"], stats["total_messages"], stats["character_count"]) == (2, len(lines), 2)
    assert sum(stats["emotion_distribution"].values()) == len(lines)
    assert stats["date_range"]["start_date"] and isinstance(stats["top_keywords"], list)
    assert {c["id"] for c in document["characters"]} == set(scene.ids("Elizabeth", "Darcy"))
    assert result["offline"] is True and document["export_info"]["generated_offline"] is True
    assert result["notice"] == document["export_info"]["notice"] and result["notice"].startswith("Generated offline")


async def test_file_formats_are_downloads_of_the_same_lines(client, alice, scene) -> None:
    interaction, _ = await _exchanges(client, alice, scene)
    first_line = interaction["dialogues"][0]["message"]
    expected = {"markdown": "text/markdown", "txt": "text/plain", "html": "text/html", "csv": "text/csv"}
    for fmt, media_type in expected.items():
        response = await client.get(f"/api/scenes/{scene.id}/export/interactions?format={fmt}", headers=alice)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media_type)
        assert response.headers["content-disposition"].startswith('attachment; filename="')
        assert "Generated offline: no language model was used." in response.text  # every format says so
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(response.text)))
            assert rows[0] == ["section", "item", "field", "value"]
            assert any(row[3] == first_line for row in rows)
        elif fmt == "html":
            assert first_line.replace("'", "&#x27;") in response.text
        else:
            assert first_line in response.text


async def test_export_errors(client, alice, bob, scene) -> None:
    base = f"/api/scenes/{scene.id}/export/interactions"
    assert_error(await client.get(f"{base}?format=pdf", headers=alice), 400, "EXPORT_FORMAT_INVALID")
    assert_error(await client.get(base, headers=bob), 404, "SCENE_NOT_FOUND")
    empty = (await client.get(base, headers=alice)).json()["data"]
    assert json.loads(empty["content"])["statistics"]["total_messages"] == 0
