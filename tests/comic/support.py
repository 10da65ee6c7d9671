"""Helpers of the comic tests: a scene with text, waiting for a comic job, reading its events."""

from __future__ import annotations

import asyncio
from typing import Any

from httpx import AsyncClient

from tests.story.support import excerpt


async def make_scene(client: AsyncClient, headers: dict[str, str] | None = None, chars: int = 6000) -> str:
    created = await client.post("/api/scenes", json={"title": "Pride", "text": excerpt(chars)}, headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["data"]["id"])


async def wait_task(client: AsyncClient, task_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The task once it finished (synchronisation on its state; the timeout only stops a hung test)."""
    async with asyncio.timeout(600):  # only stops a hung test; a film on a loaded machine takes a while
        while True:
            task = (await client.get(f"/api/tasks/{task_id}", headers=headers)).json()["data"]
            if task["status"] in ("completed", "failed", "cancelled"):
                return task
            await asyncio.sleep(0.02)


async def run_step(
    client: AsyncClient, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    started = await client.post(path, json=body, headers=headers)
    assert started.status_code == 202, started.text
    task = await wait_task(client, started.json()["data"]["task_id"], headers)
    assert task["status"] == "completed", task
    return task


async def comic_through_panels(client: AsyncClient, scene_id: str, frames: int = 6) -> None:
    base = f"/api/scenes/{scene_id}/comic"
    await run_step(client, f"{base}/analysis", {"target_frames": frames})
    await run_step(client, f"{base}/prompts", {"style": "ink-wash"})
    await run_step(client, f"{base}/key_elements", {})
    await run_step(client, f"{base}/generate", {})
