"""The comic studio end to end through the API with the offline providers (no key, no network): the five
steps, the shapes the reference frontend reads, and the files that come out."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from lxml import etree
from PIL import Image
from pypdf import PdfReader

from sceneintruder.comic.pages import plan
from tests.comic.support import comic_through_panels, make_scene, run_step, wait_task
from tests.story.support import excerpt

XSD = Path(__file__).resolve().parents[1] / "fixtures" / "ComicInfo-v2.0.xsd"


async def test_the_five_steps_make_a_lettered_comic_offline(client) -> None:
    scene_id = await make_scene(client)
    base = f"/api/scenes/{scene_id}/comic"
    empty = (await client.get(base)).json()["data"]
    assert empty == {
        "scene_id": scene_id,
        "has_analysis": False,
        "has_prompts": False,
        "has_key_elements": False,
        "reference_count": 0,
        "images": [],
        "offline_images": 0,
    }
    task = await run_step(client, f"{base}/analysis", {"target_frames": 6})
    assert task["result"]["frames"] == 6 and task["result"]["offline"] is True
    analysis = (await client.get(f"{base}/analysis")).json()["data"]
    assert [f["id"] for f in analysis["frames"]] == [f"frame_{i}" for i in range(1, 7)]
    assert [f["order"] for f in analysis["frames"]] == list(range(1, 7))
    assert analysis["offline"] is True and analysis["provider"] == "builtin"
    source = " ".join(excerpt(6000).split())  # the scene's text (make_scene's): every description is from it
    assert all(f["description"] and f["description"].rstrip("…")[:40] in source for f in analysis["frames"])

    await run_step(client, f"{base}/prompts", {"style": "ink-wash"})
    prompts = (await client.get(f"{base}/prompts")).json()["data"]
    assert [p["frame_id"] for p in prompts] == [f["id"] for f in analysis["frames"]]
    first = prompts[0]
    assert first["prompt"].startswith("ink-wash style")
    assert first["negative_prompt"].startswith("blurry, watermark, text, logo")
    assert {"video_prompt", "camera_motion", "narration", "music_cue", "sfx"} <= first.keys()
    assert first["offline"] is True and "tokens" not in str(first)

    await run_step(client, f"{base}/key_elements", {})
    elements = (await client.get(f"{base}/key_elements")).json()["data"]
    assert elements["characters"] and all(c["id"].startswith("char_") for c in elements["characters"])
    assert all(c["name"] in source and c["description"].rstrip("…")[:40] in source for c in elements["characters"])

    task = await run_step(client, f"{base}/generate", {})
    assert len(task["result"]["generated"]) == 6 and task["result"]["offline"] is True
    overview = (await client.get(base)).json()["data"]
    assert overview["has_analysis"] and overview["has_prompts"] and overview["has_key_elements"]
    assert overview["images"] == [f"frame_{i}.png" for i in range(1, 7)]
    image = await client.get(f"{base}/images/frame_1")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(image.content)) as panel:
        assert panel.size == (1024, 768)
        assert "offline" in panel.info.get("Comment", "")


async def test_progress_reports_each_frame_written(client) -> None:
    scene_id = await make_scene(client)
    base = f"/api/scenes/{scene_id}/comic"
    await run_step(client, f"{base}/analysis", {"target_frames": 4})
    await run_step(client, f"{base}/prompts", {})
    started = await client.post(f"{base}/generate", json={})
    task_id = started.json()["data"]["task_id"]
    await wait_task(client, task_id)
    replay = {"Accept": "text/event-stream", "Last-Event-ID": "0"}  # every event from the job's rows
    stream = await client.get(f"/api/progress/{task_id}", headers=replay)
    written = [line for line in stream.text.splitlines() if '"event_type":"image_written"' in line]
    assert len(written) == 4
    assert all('"frame_id":"frame_' in line for line in written)


async def test_exports_open_as_files(client) -> None:
    scene_id = await make_scene(client)
    await comic_through_panels(client, scene_id, frames=6)
    base = f"/api/scenes/{scene_id}/comic/export"
    zipped = await client.get(base, params={"format": "zip"})
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert {f"scene_{scene_id}/images/frame_{i}.png" for i in range(1, 7)} <= set(names)
    assert f"scene_{scene_id}/NOTICE.txt" in names
    page = await client.get(base, params={"format": "html"})
    assert page.status_code == 200 and page.text.count("data:image/png;base64,") == 6
    assert not re.search(r"""(?:src|href)=["']?/api""", page.text)  # no link back to the server (8.20)
    assert "Made offline" in page.text

    frames = (await client.get(f"/api/scenes/{scene_id}/comic/analysis")).json()["data"]["frames"]
    expected_pages = len(plan([frame["staging"]["shot"] for frame in frames]))
    pdf = await client.get(base, params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == expected_pages >= 2
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4 in points

    cbz = await client.get(base, params={"format": "cbz"})
    assert cbz.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(cbz.content))
    pages = sorted(name for name in archive.namelist() if name.endswith(".jpg"))
    assert pages == [f"{i:03d}.jpg" for i in range(1, expected_pages + 1)]
    info = etree.fromstring(archive.read("ComicInfo.xml"))
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(info), schema.error_log
    assert info.findtext("PageCount") == str(expected_pages) and "offline" in info.findtext("Notes").lower()
    with Image.open(io.BytesIO(archive.read("001.jpg"))) as first_page:
        assert first_page.size == (1240, 1754)

    ranged = await client.get(base, params={"format": "pdf"}, headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100 and ranged.content.startswith(b"%PDF")


ZH_STORY = (
    "林黛玉走进了大观园。宝玉笑道：“妹妹你来了。”黛玉道：“我来看看姐姐们。”"
    "夜深了，潇湘馆里灯火通明。紫鹃在窗前做针线，听见外面有人说话。"
    "第二天清晨，宝钗来到花园，看见黛玉独自坐在石头上流泪。宝钗问道：“你怎么又哭了？”"
    "黛玉不答，只把手里的花瓣埋进土里。宝玉远远看见，也跟着哭了起来。"
)


async def test_a_standalone_comic_from_source_text_as_the_frontend_makes_it(client) -> None:
    shell = await client.post("/api/scenes/shell", json={"title": "葬花"})
    assert shell.status_code == 200, shell.text
    scene_id = shell.json()["data"]["id"]
    base = f"/api/scenes/{scene_id}/comic"
    started = await client.post(f"{base}/analysis", json={"source_text": ZH_STORY})
    assert started.status_code == 202 and set(started.json()["data"]) == {"task_id"}
    assert (await wait_task(client, started.json()["data"]["task_id"]))["status"] == "completed"
    analysis = (await client.get(f"{base}/analysis")).json()["data"]
    assert analysis["source"] == "source_text" and 4 <= len(analysis["frames"]) <= 8
    assert all(frame["description"] in ZH_STORY for frame in analysis["frames"])
    named = {name for frame in analysis["frames"] for name in frame["staging"]["characters"]}
    assert {"宝玉", "宝钗"} <= named and any("黛玉" in name for name in named)
    await run_step(client, f"{base}/prompts", {})
    await run_step(client, f"{base}/key_elements", {})
    await run_step(client, f"{base}/generate", {})
    panel = await client.get(f"{base}/images/frame_1")
    with Image.open(io.BytesIO(panel.content)) as opened:
        assert opened.size == (1024, 768)
    regenerated = await client.post(f"{base}/frames/frame_2/regenerate")
    assert regenerated.status_code == 202
    assert (await wait_task(client, regenerated.json()["data"]["task_id"]))["status"] == "completed"
    batch = await client.post(f"{base}/frames/generate", json={"frame_ids": ["frame_1", "frame_3", "frame_1"]})
    tasks = batch.json()["data"]["tasks"]
    assert set(tasks) == {"frame_1", "frame_3"} and len(set(tasks.values())) == 1
    assert (await wait_task(client, tasks["frame_1"]))["status"] == "completed"
    html = await client.get(f"{base}/export", params={"format": "html"})
    assert "葬花" in html.text and not re.search(r"""(?:src|href)=["']?/api""", html.text)


async def test_a_new_storyboard_removes_what_no_longer_exists(client) -> None:
    scene_id = await make_scene(client)
    base = f"/api/scenes/{scene_id}/comic"
    await comic_through_panels(client, scene_id, frames=6)
    await run_step(client, f"{base}/analysis", {"target_frames": 4})
    overview = (await client.get(base)).json()["data"]
    assert overview["images"] == [f"frame_{i}.png" for i in range(1, 5)]
    prompts = (await client.get(f"{base}/prompts")).json()["data"]
    assert [p["frame_id"] for p in prompts] == [f"frame_{i}" for i in range(1, 5)]
    assert (await client.get(f"{base}/images/frame_6")).status_code == 404
    names = zipfile.ZipFile(io.BytesIO((await client.get(f"{base}/export")).content)).namelist()
    assert not any("frame_5" in name or "frame_6" in name for name in names)
