"""Bad inputs to every comic endpoint, answered with a clear 4xx and its code (never a 500)."""

from __future__ import annotations

import io

import httpx
from asgi_lifespan import LifespanManager
from PIL import Image

from sceneintruder.app import create_app
from tests.comic.support import make_scene, run_step
from tests.support.builders import assert_error, bearer, make_user, token_for


def _png(size: tuple[int, int] = (32, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(out, format="PNG")
    return out.getvalue()


async def test_someone_elses_scene_is_not_found_on_every_route(app, client) -> None:
    await make_user(app, "ann")
    await make_user(app, "bob")
    ann, bob = bearer(token_for(app, "ann")), bearer(token_for(app, "bob"))
    scene_id = await make_scene(client, ann)
    base = f"/api/scenes/{scene_id}/comic"
    calls = [
        ("GET", base, None),
        ("DELETE", base, None),
        ("POST", f"{base}/analysis", {}),
        ("GET", f"{base}/analysis", None),
        ("GET", f"{base}/prompts", None),
        ("POST", f"{base}/generate", {}),
        ("GET", f"{base}/images/frame_1", None),
        ("GET", f"{base}/export", None),
        ("GET", f"{base}/references", None),
    ]
    for method, path, body in calls:
        response = await client.request(method, path, json=body, headers=bob)
        assert_error(response, 404, "SCENE_NOT_FOUND")
    missing = await client.get("/api/scenes/scene_doesnotexist0000000000000/comic", headers=ann)
    assert_error(missing, 404, "SCENE_NOT_FOUND")


async def test_steps_out_of_order_and_unknown_ids(client) -> None:
    scene_id = await make_scene(client)
    base = f"/api/scenes/{scene_id}/comic"
    assert_error(await client.get(f"{base}/analysis"), 404, "COMIC_ANALYSIS_NOT_FOUND")
    assert_error(await client.get(f"{base}/prompts"), 404, "COMIC_PROMPTS_NOT_FOUND")
    assert_error(await client.get(f"{base}/key_elements"), 404, "COMIC_KEY_ELEMENTS_NOT_FOUND")
    assert_error(await client.get(f"{base}/references"), 404, "COMIC_REFERENCES_NOT_FOUND")
    assert_error(await client.post(f"{base}/prompts", json={}), 404, "COMIC_ANALYSIS_NOT_FOUND")
    assert_error(await client.post(f"{base}/generate", json={}), 404, "COMIC_ANALYSIS_NOT_FOUND")
    assert_error(await client.get(f"{base}/export"), 404, "EXPORT_DATA_EMPTY")
    await run_step(client, f"{base}/analysis", {"target_frames": 4})
    assert_error(await client.post(f"{base}/key_elements", json={}), 404, "COMIC_PROMPTS_NOT_FOUND")
    assert_error(await client.post(f"{base}/generate", json={}), 404, "COMIC_PROMPTS_NOT_FOUND")
    assert_error(await client.get(f"{base}/images/frame_1"), 404, "COMIC_IMAGE_NOT_FOUND")
    assert_error(await client.get(f"{base}/images/..%2Fsecret"), 404, "NOT_FOUND")
    assert_error(await client.get(f"{base}/images/bad.id"), 400, "BAD_REQUEST")
    assert_error(await client.put(f"{base}/prompts/frame_99", json={"prompt": "x"}), 404, "COMIC_ANALYSIS_NOT_FOUND")
    assert_error(await client.post(f"{base}/frames/frame_99/regenerate"), 404, "COMIC_PROMPTS_NOT_FOUND")
    assert_error(
        await client.post(f"{base}/frames/generate", json={"frame_ids": ["frame_99"]}), 404, "COMIC_PROMPTS_NOT_FOUND"
    )
    assert_error(await client.get(f"{base}/export", params={"format": "docx"}), 400, "EXPORT_FORMAT_INVALID")
    assert_error(await client.get(f"{base}/export", params={"format": "pdf"}), 404, "EXPORT_DATA_EMPTY")


async def test_bodies_are_validated_on_write(client) -> None:
    scene_id = await make_scene(client)
    base = f"/api/scenes/{scene_id}/comic"
    duplicate = {"frames": [{"id": "frame_1", "order": 1}, {"id": "frame_1", "order": 2}]}
    assert_error(await client.put(f"{base}/analysis", json=duplicate), 400, "BAD_REQUEST")
    assert_error(await client.put(f"{base}/analysis", json={"frames": []}), 400, "BAD_REQUEST")
    too_many = {"frames": [{"id": f"f{i}", "order": i} for i in range(30)]}
    assert_error(await client.put(f"{base}/analysis", json=too_many), 400, "BAD_REQUEST")
    assert_error(await client.put(f"{base}/analysis", json={"frames": [{"id": "a/b", "order": 1}]}), 400, "BAD_REQUEST")
    assert_error(await client.put(f"{base}/analysis", json={"frames": "x"}), 400, "BAD_REQUEST")
    assert_error(await client.post(f"{base}/analysis", json={"target_frames": "many"}), 400, "BAD_REQUEST")
    assert_error(await client.post(f"{base}/analysis", json={"target_frames": 1000}), 400, "BAD_REQUEST")
    malformed = await client.post(
        f"{base}/analysis", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(malformed, 400, "BAD_REQUEST")
    assert_error(await client.post(f"{base}/frames/generate", json={"frame_ids": []}), 400, "BAD_REQUEST")
    assert_error(await client.post(f"{base}/frames/generate"), 400, "BAD_REQUEST")


async def test_a_hand_edited_storyboard_is_kept_as_written(client) -> None:
    scene_id = await make_scene(client)
    base = f"/api/scenes/{scene_id}/comic"
    frames = [{"id": f"f{i}", "order": 20 - i, "description": f"panel {i}"} for i in range(1, 15)]
    saved = await client.put(f"{base}/analysis", json={"frames": frames})
    assert saved.status_code == 200, saved.text
    stored = (await client.get(f"{base}/analysis")).json()["data"]
    assert [f["id"] for f in stored["frames"]] == [f"f{i}" for i in range(14, 0, -1)]  # by order, all 14 kept
    assert stored["target_frames"] == 14 and stored["source"] == "edited"


async def test_reference_uploads_are_checked_all_or_nothing(client, settings) -> None:
    scene_id = await make_scene(client)
    base = f"/api/scenes/{scene_id}/comic"
    image = _png()
    no_elements = await client.post(
        f"{base}/references", data={"element_id": "char_x"}, files={"file": ("x.png", image)}
    )
    assert_error(no_elements, 404, "COMIC_KEY_ELEMENTS_NOT_FOUND")
    elements = {"characters": [{"id": "char_ann", "name": "Ann"}], "locations": [{"name": "Garden"}]}
    assert (await client.put(f"{base}/key_elements", json=elements)).status_code == 200
    unknown = await client.post(f"{base}/references", data={"element_id": "char_bob"}, files={"file": ("b.png", image)})
    assert_error(unknown, 400, "FILE_INVALID")
    not_image = await client.post(f"{base}/references", files={"file_char_ann": ("a.png", b"GIF89a-not-really")})
    assert_error(not_image, 400, "FILE_INVALID")
    no_file = await client.post(f"{base}/references", files={"element_id": (None, "char_ann")})
    assert_error(no_file, 400, "FILE_UPLOAD_FAILED")
    not_multipart = await client.post(f"{base}/references", json={"element_id": "char_ann"})
    assert_error(not_multipart, 400, "BAD_REQUEST")
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * settings.comic_reference_max_bytes
    oversize = await client.post(f"{base}/references", files={"file_char_ann": ("big.png", big)})
    assert_error(oversize, 413, "PAYLOAD_TOO_LARGE")
    mixed = await client.post(
        f"{base}/references", files={"file_char_ann": ("a.png", image), "file_loc_garden": ("g.png", b"nope")}
    )
    assert_error(mixed, 400, "FILE_INVALID")
    assert_error(await client.get(f"{base}/references"), 404, "COMIC_REFERENCES_NOT_FOUND")  # nothing was kept
    good = await client.post(
        f"{base}/references", files={"file_char_ann": ("a.png", image), "file_loc_garden": ("g.png", image)}
    )
    assert good.status_code == 200, good.text
    assert [u["element_id"] for u in good.json()["data"]["uploaded"]] == ["char_ann", "loc_garden"]
    served = await client.get(f"{base}/references/char_ann/image")
    assert served.content == image and served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    index = (await client.get(f"{base}/references")).json()["data"]
    assert set(index["references"]) == {"char_ann", "loc_garden"}
    after = (await client.delete(f"{base}/references/char_ann")).json()["data"]
    assert set(after["references"]) == {"loc_garden"}
    assert_error(await client.delete(f"{base}/references/char_ann"), 404, "COMIC_REFERENCE_NOT_FOUND")
    assert_error(await client.get(f"{base}/references/char_ann/image"), 404, "COMIC_REFERENCE_NOT_FOUND")
    assert (await client.get(base)).json()["data"]["reference_count"] == 1


async def test_total_reference_size_is_capped_per_scene(make_settings) -> None:
    app = create_app(make_settings(comic_reference_max_bytes=4096, comic_references_total_bytes=6000))
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        scene_id = await make_scene(client)
        base = f"/api/scenes/{scene_id}/comic"
        await client.put(f"{base}/key_elements", json={"characters": [{"name": "Ann"}, {"name": "Bob"}]})
        noisy = io.BytesIO()
        Image.effect_noise((34, 34), 90).convert("RGB").save(noisy, format="PNG")
        picture = noisy.getvalue()
        assert 3000 < len(picture) <= 4096  # each alone is within the per-file limit; both exceed the total
        assert (await client.post(f"{base}/references", files={"file_char_ann": ("a.png", picture)})).status_code == 200
        second = picture
        response = await client.post(f"{base}/references", files={"file_char_bob": ("b.png", second)})
        assert_error(response, 413, "PAYLOAD_TOO_LARGE")
