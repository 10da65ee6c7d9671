"""A fake vendor server on 127.0.0.1, saved by an administrator as the app's LLM provider."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

import httpx
from fastapi import FastAPI

from sceneintruder.core.principal import Role
from tests.fakes._base import API_KEY
from tests.fakes.openai_compatible import FakeOpenAI
from tests.support.builders import bearer, make_user, token_for

Fake = TypeVar("Fake", bound=FakeOpenAI)


@contextlib.asynccontextmanager
async def openai_provider(app: FastAPI, client: httpx.AsyncClient, fake: Fake) -> AsyncIterator[Fake]:
    """Serve `fake` and make it the app's `openai` provider (through POST /api/settings, as an admin would)."""
    async with fake.serving(fake.app()) as base:
        await make_user(app, "root", role=Role.ADMIN)
        saved = await client.post(
            "/api/settings",
            headers=bearer(token_for(app, "root")),
            json={"llm_provider": "openai", "llm_config": {"api_key": API_KEY, "base_url": f"{base}/v1"}},
        )
        assert saved.status_code == 200, saved.text
        yield fake
