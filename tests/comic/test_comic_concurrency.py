"""Writers of one scene's comic at the same moment (two browsers, or schemathesis with two workers): every one
is answered, none with a 500. On PostgreSQL the transactions really overlap; each takes the scene's comic
workspace row first, so they go one after the other."""

from __future__ import annotations

import asyncio
import io

from PIL import Image

from tests.comic.support import make_scene


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(out, format="PNG")
    return out.getvalue()


async def test_concurrent_writes_to_a_fresh_comic_all_succeed(client) -> None:
    scene_id = await make_scene(client)
    base = f"/api/scenes/{scene_id}/comic"
    elements = [client.put(f"{base}/key_elements", json={"characters": [{"name": f"Ann {i}"}]}) for i in range(8)]
    storyboards = [
        client.put(
            f"{base}/analysis",
            json={"frames": [{"id": f"f{j}", "order": j, "description": str(i)} for j in range(1, 4)]},
        )
        for i in range(6)
    ]
    answers = await asyncio.gather(*elements, *storyboards)
    assert [a.status_code for a in answers] == [200] * len(answers), [a.text for a in answers if a.status_code != 200]
    stored = (await client.get(f"{base}/analysis")).json()["data"]
    assert [f["id"] for f in stored["frames"]] == ["f1", "f2", "f3"]  # one whole storyboard, not a mix
    assert len({f["description"] for f in stored["frames"]}) == 1
    await client.put(f"{base}/key_elements", json={"characters": [{"name": "Ann"}]})
    prompts = [client.put(f"{base}/prompts/f1", json={"prompt": f"take {i}"}) for i in range(6)]
    uploads = [client.post(f"{base}/references", files={"file_char_ann": ("a.png", _png())}) for _ in range(4)]
    answers = await asyncio.gather(*prompts, *uploads)
    assert [a.status_code for a in answers] == [200] * len(answers), [a.text for a in answers if a.status_code != 200]
