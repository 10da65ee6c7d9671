"""The video studio on top of a comic made offline: timeline, a film generated with narration and subtitles,
the overview, the render served with Range, exports; one frame edited or regenerated; bad inputs."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from sceneintruder.providers.media import ffmpeg, speech
from tests.comic.support import comic_through_panels, make_scene, run_step, wait_task
from tests.support.builders import assert_error, bearer, make_user, token_for

FFMPEG = ffmpeg.find_ffmpeg()
pytestmark = pytest.mark.skipif(FFMPEG is None or speech.find_espeak() is None, reason=".ci/run installs espeak-ng")


async def _comic(client, frames: int = 4) -> tuple[str, str]:
    scene_id = await make_scene(client)
    await comic_through_panels(client, scene_id, frames=frames)
    return scene_id, f"/api/scenes/{scene_id}/comic/video"


async def test_a_narrated_film_from_an_offline_comic(client, tmp_path) -> None:
    scene_id, base = await _comic(client)
    empty = (await client.get(base)).json()["data"]
    assert empty["clips"] == [] and empty["recovery"]["status"] == "idle"
    built = await client.post(f"{base}/timeline", json={"target_duration_sec": 12, "resolution": "720P", "fps": 24})
    assert built.status_code == 200, built.text
    timeline = built.json()["data"]
    assert [c["frame_id"] for c in timeline["clips"]] == [f"frame_{i}" for i in range(1, 5)]
    assert all(c["duration_sec"] == 3.0 and c["narration"] for c in timeline["clips"])
    task = await run_step(client, f"{base}/generate", {})
    assert task["result"]["offline"] is True and task["result"]["degraded"] == []
    overview = (await client.get(base)).json()["data"]
    assert overview["meta"]["generation_status"] == "completed" and overview["recovery"]["status"] == "completed"
    assert all(c["status"] == "completed" and c["narration_seconds"] > 0 for c in overview["clips"])
    assert overview["render_artifact_url"] == f"{base}/render" and overview["is_stale_against_latest_comic"] is False

    film = await client.get(f"{base}/render")
    assert film.status_code == 200 and film.headers["content-type"] == "video/mp4"
    assert film.headers["accept-ranges"] == "bytes"
    path = tmp_path / "film.mp4"
    path.write_bytes(film.content)
    probe = await ffmpeg.probe(FFMPEG, path)
    expected = overview["meta"]["render_seconds"]
    assert probe.video_codec == "h264" and probe.audio_codec == "aac"
    assert (probe.width, probe.height) == (1280, 720) and probe.fps == 24
    assert abs(probe.duration - expected) <= 0.05 * expected and expected >= 12 - 3 * 0.5
    assert "offline render" in probe.comment
    ranged = await client.get(f"{base}/render", headers={"Range": "bytes=100-199"})
    assert ranged.status_code == 206 and ranged.content == film.content[100:200]

    names = zipfile.ZipFile(io.BytesIO((await client.get(f"{base}/export")).content)).namelist()
    root = f"scene_{scene_id}/video"
    assert {f"{root}/timeline.json", f"{root}/meta.json", f"{root}/NOTICE.txt"} <= set(names)
    assert sum(name.startswith(f"{root}/images/") for name in names) == 4
    assert sum(name.startswith(f"{root}/audio/narration/") for name in names) == 4
    assert any(name.startswith(f"{root}/renders/") and name.endswith(".mp4") for name in names)
    mp4 = await client.get(f"{base}/export", params={"format": "mp4"})
    assert mp4.content == film.content and mp4.headers["content-type"] == "video/mp4"
    page = await client.get(f"{base}/export", params={"format": "html"})
    assert "data:video/mp4;base64," in page.text
    assert not re.search(r"""(?:src|href)=["']?/api""", page.text)  # no link back to the server (8.20)
    voice = await client.get(f"{base}/clips/frame_1/asset")
    assert voice.status_code == 200 and voice.content.startswith(b"RIFF")


async def test_one_frame_edited_or_regenerated_leaves_the_others(client) -> None:
    _, base = await _comic(client)
    await client.post(f"{base}/timeline", json={"duration": 2})
    await run_step(client, f"{base}/generate", {})
    before = (await client.get(base)).json()["data"]
    edited = await client.put(f"{base}/frames/frame_2", json={"narration": "A new line for the second shot."})
    assert edited.status_code == 200, edited.text
    after = (await client.get(base)).json()["data"]
    statuses = {c["frame_id"]: c["status"] for c in after["clips"]}
    assert statuses == {"frame_1": "completed", "frame_2": "pending", "frame_3": "completed", "frame_4": "completed"}
    assert after["video_version"] == before["video_version"]
    task = await run_step(client, f"{base}/generate", {})  # honours the edit, keeps the done clips
    assert task["result"]["video_version"] == before["video_version"]
    clip = next(c for c in (await client.get(base)).json()["data"]["clips"] if c["frame_id"] == "frame_2")
    assert clip["status"] == "completed" and clip["narration"] == "A new line for the second shot."
    kept = {c["frame_id"]: c["attempt_count"] for c in (await client.get(base)).json()["data"]["clips"]}
    assert kept["frame_1"] == 1
    again = await client.post(f"{base}/frames/frame_3/regenerate", json={})
    assert again.status_code == 202
    assert (await wait_task(client, again.json()["data"]["task_id"]))["status"] == "completed"
    counts = {c["frame_id"]: c["attempt_count"] for c in (await client.get(base)).json()["data"]["clips"]}
    assert counts["frame_3"] == 2 and counts["frame_1"] == 1


async def test_bad_inputs_are_4xx(app, client) -> None:
    await make_user(app, "ann")
    await make_user(app, "bob")
    ann, bob = bearer(token_for(app, "ann")), bearer(token_for(app, "bob"))
    scene_id = await make_scene(client, ann)
    base = f"/api/scenes/{scene_id}/comic/video"
    assert_error(await client.post(f"{base}/timeline", json={}, headers=ann), 400, "BAD_REQUEST")  # no comic yet
    for body in ({"target_duration_sec": -5}, {"duration": -1}, {"fps": 0}, {"resolution": "8K"}, {"fps": "fast"}):
        assert_error(await client.post(f"{base}/timeline", json=body, headers=ann), 400, "BAD_REQUEST")
    assert_error(await client.get(f"{base}/timeline", headers=ann), 404, "VIDEO_TIMELINE_NOT_FOUND")
    assert_error(
        await client.put(f"{base}/frames/frame_1", json={"narration": "x"}, headers=ann),
        404,
        "VIDEO_TIMELINE_NOT_FOUND",
    )
    assert_error(await client.post(f"{base}/frames/frame_1/regenerate", headers=ann), 404, "VIDEO_TIMELINE_NOT_FOUND")
    assert_error(await client.get(f"{base}/render", headers=ann), 404, "VIDEO_OVERVIEW_NOT_FOUND")
    assert_error(
        await client.get(f"{base}/export", params={"format": "avi"}, headers=ann), 400, "EXPORT_FORMAT_INVALID"
    )
    assert_error(await client.get(f"{base}/export", headers=ann), 404, "EXPORT_DATA_EMPTY")
    for method, path in (("GET", base), ("DELETE", base), ("GET", f"{base}/timeline"), ("POST", f"{base}/generate")):
        assert_error(await client.request(method, path, headers=bob), 404, "SCENE_NOT_FOUND")
    await comic_through_panels_as(client, scene_id, ann)
    assert (await client.post(f"{base}/timeline", json={}, headers=ann)).status_code == 200
    assert_error(
        await client.put(f"{base}/frames/frame_9", json={"narration": "x"}, headers=ann), 404, "VIDEO_FRAME_NOT_FOUND"
    )
    assert_error(await client.put(f"{base}/frames/frame_1", json={}, headers=ann), 400, "BAD_REQUEST")
    assert_error(await client.put(f"{base}/frames/frame_1", json={"duration_sec": -2}, headers=ann), 400, "BAD_REQUEST")
    assert_error(
        await client.put(f"{base}/frames/frame_1", json={"camera_motion": "spin"}, headers=ann), 400, "BAD_REQUEST"
    )
    assert_error(await client.post(f"{base}/frames/frame_9/regenerate", headers=ann), 404, "VIDEO_FRAME_NOT_FOUND")
    assert_error(await client.get(f"{base}/clips/frame_1/asset", headers=ann), 404, "VIDEO_FRAME_NOT_FOUND")
    reset = await client.delete(base, headers=ann)
    assert reset.json()["data"] == {"scene_id": scene_id}
    assert (await client.get(base, headers=ann)).json()["data"]["clips"] == []


async def comic_through_panels_as(client, scene_id: str, headers: dict[str, str]) -> None:
    comic = f"/api/scenes/{scene_id}/comic"
    await run_step(client, f"{comic}/analysis", {"target_frames": 4}, headers)
    await run_step(client, f"{comic}/prompts", {}, headers)
    await run_step(client, f"{comic}/generate", {}, headers)
