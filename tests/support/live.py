"""The demo app served by a real uvicorn on 127.0.0.1, with an httpx client pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from sceneintruder.core.settings import Settings
from tests.support.demo_jobs import DemoScript, demo_app
from tests.support.servers import run_uvicorn


@dataclass(frozen=True)
class Live:
    app: FastAPI
    script: DemoScript
    base: str  # http://127.0.0.1:<port>
    client: httpx.AsyncClient

    @property
    def ws(self) -> str:
        return "ws" + self.base.removeprefix("http")

    async def start_job(self, headers: dict[str, str] | None = None, **body: object) -> str:
        response = await self.client.post("/api/_demo/jobs", json=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["data"]["task_id"]

    async def task(self, task_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.client.get(f"/api/tasks/{task_id}", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    async def wait_for(self, task_id: str, *, headers: dict[str, str] | None = None, **expected: Any) -> dict[str, Any]:
        """Poll GET /api/tasks until the job's fields equal `expected` (synchronisation, not a timing check)."""
        async with asyncio.timeout(10):
            while True:
                task = await self.task(task_id, headers)
                if all(task[key] == value for key, value in expected.items()):
                    return task
                await asyncio.sleep(0.01)


@asynccontextmanager
async def serve_demo(settings: Settings) -> AsyncIterator[Live]:
    app, script = demo_app(settings)
    async with run_uvicorn(app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            yield Live(app, script, base, client)
