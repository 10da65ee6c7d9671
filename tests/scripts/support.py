"""Helpers of the scripts tests: an app with a fake writing vendor, creating a script, running its outline job."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from sceneintruder.app import create_app
from sceneintruder.core.principal import Role
from tests.comic.support import wait_task
from tests.fakes._base import API_KEY
from tests.fakes.writer import FakeWriter
from tests.support.builders import bearer, make_user, token_for

FRAMEWORK = {"genre": "mystery", "chapter_count": 12, "theme": {"core": "a lighthouse keeper and a drowned ship"}}


@contextlib.asynccontextmanager
async def writer_vendor(**kwargs: Any) -> AsyncIterator[FakeWriter]:
    fake = FakeWriter(**kwargs)
    async with fake.serving(fake.app()) as base:
        fake.base = base  # type: ignore[attr-defined]
        yield fake


@contextlib.asynccontextmanager
async def scripts_app(
    make_settings: Any, vendor: FakeWriter | None = None, *, configure: bool = True, **overrides: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The real app over httpx; with `vendor` (and `configure`), an admin saves it as the LLM provider."""
    app = create_app(make_settings(allow_private_provider_urls=True, llm_max_retries=0, **overrides))
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=60) as client,
    ):
        if vendor is not None and configure:
            await make_user(app, "root", role=Role.ADMIN)
            saved = await client.post(
                "/api/settings",
                headers=bearer(token_for(app, "root")),
                json={
                    "llm_provider": "openai",
                    "llm_config": {"api_key": API_KEY, "base_url": f"{vendor.base}/v1"},  # type: ignore[attr-defined]
                },
            )
            assert saved.status_code == 200, saved.text
        yield app, client


async def new_script(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, framework: Any = None, title: str = "Lantern"
) -> str:
    body: dict[str, Any] = {"title": title}
    if framework is not None:
        body["framework"] = framework
    created = await client.post("/api/scripts", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["data"]["id"])


async def generate(
    client: httpx.AsyncClient, script_id: str, headers: dict[str, str] | None = None, **body: Any
) -> dict[str, Any]:
    started = await client.post(f"/api/scripts/{script_id}/generate", json=body or None, headers=headers)
    assert started.status_code == 200, started.text
    return await wait_task(client, started.json()["data"]["task_id"], headers)


async def detail(
    client: httpx.AsyncClient, script_id: str, headers: dict[str, str] | None = None, limit: int = 3
) -> dict[str, Any]:
    got = await client.get(f"/api/scripts/{script_id}", params={"workflow_limit": limit}, headers=headers)
    assert got.status_code == 200, got.text
    return dict(got.json()["data"])
