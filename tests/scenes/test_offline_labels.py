"""A scene analysed offline says so: its `analysis` names the provider with `offline: true`, and every export of
it carries a visible line saying no language model was used (JSON, Markdown, text, HTML, CSV)."""

from __future__ import annotations

import csv
import io
import json

from tests.story.support import CHINESE, create_scene, excerpt

NOTICE = "Generated offline: no language model was used."


async def test_an_offline_scene_and_every_export_of_it_say_it_was_made_offline(client) -> None:
    scene_id = await create_scene(client, excerpt(2000))
    scene = (await client.get(f"/api/scenes/{scene_id}")).json()["data"]["scene"]
    assert (scene["analysis"]["provider"], scene["analysis"]["offline"]) == ("builtin", True)
    base = f"/api/scenes/{scene_id}/export/scene"
    result = (await client.get(base)).json()["data"]
    assert result["offline"] is True and result["notice"].startswith(NOTICE)
    document = json.loads(result["content"])
    assert document["export_info"]["generated_offline"] is True
    assert document["export_info"]["notice"] == result["notice"]
    markdown = (await client.get(f"{base}?format=markdown")).text
    assert markdown.splitlines()[2].startswith(f"> **{NOTICE}")  # right under the title
    assert NOTICE in (await client.get(f"{base}?format=txt")).text
    assert f'<p class="notice"><strong>{NOTICE}' in (await client.get(f"{base}?format=html")).text
    rows = list(csv.DictReader(io.StringIO((await client.get(f"{base}?format=csv")).text)))
    assert rows[0]["section"] == "notice" and rows[0]["value"].startswith(NOTICE)


async def test_a_chinese_scene_gets_the_notice_in_chinese(client) -> None:
    scene_id = await create_scene(client, excerpt(1500, CHINESE), title="红楼梦")
    result = (await client.get(f"/api/scenes/{scene_id}/export/scene")).json()["data"]
    assert result["notice"].startswith("离线生成：未使用任何语言模型")
