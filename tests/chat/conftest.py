"""Chat fixtures: signed-in users, scenes with the characters the offline analysis finds in the fixture chapters
(stored through `scenes.creation`, as scene creation stores them), a fake OpenAI-compatible vendor saved as
the provider, and the app served by a real uvicorn for SSE and WebSocket tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sceneintruder.scenes import creation
from tests.fakes.openai_compatible import FakeOpenAI
from tests.support.builders import bearer, make_user, token_for
from tests.support.novels import novel
from tests.support.servers import run_uvicorn
from tests.support.vendors import openai_provider


@pytest.fixture
def settings(make_settings):
    return make_settings(allow_private_provider_urls=True)


@dataclass(frozen=True)
class SceneWithCast:
    id: str
    characters: list[dict[str, Any]]

    def character(self, name: str) -> dict[str, Any]:
        return next(c for c in self.characters if name in c["name"])

    def ids(self, *names: str) -> list[str]:
        return [self.character(name)["id"] for name in names]


async def store_novel_scene(app: FastAPI, owner_id: str, language: str = "en") -> str:
    book = novel(language)  # type: ignore[arg-type]
    async with app.state.db.writer() as session:
        scene = await creation.store_analyzed_scene(
            session,
            owner_id=owner_id,
            title=book.title,
            source="\n\n".join(book.segments),
            analysis=book.analysis,
            provider="builtin",
        )
    return scene.id


async def scene_with_cast(app: FastAPI, client: httpx.AsyncClient, headers: dict[str, str], language: str = "en"):
    owner = app.state.tokens.decode(headers["Authorization"].removeprefix("Bearer ")).sub
    scene_id = await store_novel_scene(app, owner, language)
    characters = (await client.get(f"/api/scenes/{scene_id}/characters", headers=headers)).json()["data"]
    return SceneWithCast(scene_id, characters)


@pytest.fixture
async def alice(app) -> dict[str, str]:
    await make_user(app, "alice")
    return bearer(token_for(app, "alice"))


@pytest.fixture
async def bob(app) -> dict[str, str]:
    await make_user(app, "bob")
    return bearer(token_for(app, "bob"))


@pytest.fixture
async def scene(app, client, alice) -> SceneWithCast:
    """Pride and Prejudice, chapters 1-3, owned by alice."""
    return await scene_with_cast(app, client, alice)


@pytest.fixture
async def vendor(app, client) -> AsyncIterator[FakeOpenAI]:
    """A fake OpenAI server on 127.0.0.1, saved by an administrator as the LLM provider."""
    async with openai_provider(app, client, FakeOpenAI()) as fake:
        yield fake


@pytest.fixture
async def server(app) -> AsyncIterator[str]:
    """The same app (its lifespan already running) behind a real uvicorn; yields the base URL."""
    async with run_uvicorn(app, lifespan="off") as base:
        yield base


def chat_requests(fake: FakeOpenAI) -> list[dict[str, Any]]:
    return [seen.body for seen in fake.requests if seen.path.endswith("/chat/completions")]


async def conversations(client: httpx.AsyncClient, headers: dict[str, str], scene_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/scenes/{scene_id}/conversations?limit=500", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]
