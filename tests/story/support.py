"""Helpers for the story tests: scenes created the way the UI creates them, and an LLM provider whose answers a
test can hold back (to interleave a player's moves with the background narration deterministically)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI
from httpx import AsyncClient

from sceneintruder.providers.llm.base import Completion, CompletionRequest, LLMCapabilities
from sceneintruder.providers.llm.builtin import BuiltinProvider
from sceneintruder.providers.llm.client import ActiveLLM
from tests.fakes._base import Seen
from tests.fakes.openai_compatible import FakeOpenAI
from tests.support.vendors import openai_provider

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ENGLISH = (FIXTURES / "pride_and_prejudice_ch1-3.txt").read_text(encoding="utf-8")
CHINESE = (FIXTURES / "hongloumeng_ch03.txt").read_text(encoding="utf-8")


def excerpt(chars: int, text: str = ENGLISH) -> str:
    """The opening of a fixture chapter, cut at a paragraph break near `chars` characters."""
    cut = text.find("\n\n", chars)
    return text if cut < 0 else text[:cut]


async def create_scene(
    client: AsyncClient, text: str, *, title: str = "Pride and Prejudice", headers: dict[str, str] | None = None
) -> str:
    response = await client.post("/api/scenes", json={"title": title, "text": text}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


async def get_story(client: AsyncClient, scene_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = await client.get(f"/api/scenes/{scene_id}/story", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def settle(client: AsyncClient, scene_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Wait until the story's initialisation (narration included) has finished; returns its task as JSON (or
    just the story's `init_status` when nothing was running).

    Synchronisation on the job's state, not a timing check (the timeout only stops a hung test)."""
    story = await get_story(client, scene_id, headers)
    task_id = story.get("task_id")
    if task_id is None:
        return {"status": story["init_status"]}
    async with asyncio.timeout(60):
        while True:
            task = (await client.get(f"/api/tasks/{task_id}", headers=headers)).json()["data"]
            if task["status"] in ("completed", "failed", "cancelled"):
                return task
            await asyncio.sleep(0.02)


def current_node(story: Mapping[str, Any]) -> dict[str, Any]:
    return next(node for node in story["nodes"] if node["id"] == story["current_node_id"])


def node_by_id(story: Mapping[str, Any], node_id: str) -> dict[str, Any]:
    return next(node for node in story["nodes"] if node["id"] == node_id)


class GatedProvider:
    """The built-in provider, except that calls for the tasks in `gates` wait until the test opens their gate.

    Every call is recorded in `calls` (its task), so a test can also assert that something made no call.
    """

    name = "builtin"
    default_model = "builtin"

    def __init__(self, app: FastAPI, *gated: str) -> None:
        self._inner = BuiltinProvider(app.state.llm.skills)
        self.gates = {task: asyncio.Event() for task in gated}
        self.waiting = {task: asyncio.Event() for task in gated}  # set when a gated call has arrived
        self.calls: list[str] = []

    @property
    def capabilities(self) -> LLMCapabilities:
        return self._inner.capabilities

    async def complete(self, request: CompletionRequest) -> Completion:
        self.calls.append(request.task)
        if request.task in self.gates:
            self.waiting[request.task].set()
            await self.gates[request.task].wait()
        return await self._inner.complete(request)

    async def stream(self, request: CompletionRequest):  # pragma: no cover - the story does not stream
        async for chunk in self._inner.stream(request):
            yield chunk

    async def list_models(self) -> list[str]:
        return ["builtin"]

    async def aclose(self) -> None:
        return None

    def install(self, app: FastAPI) -> GatedProvider:
        app.state.llm.configure(ActiveLLM(primary=self, source="test"))  # type: ignore[arg-type]
        return self


# --- a fake OpenAI-compatible vendor that answers each story task in kind ---------------------------------------


def _analysis_reply() -> str:
    return orjson.dumps(
        {
            "characters": [
                {"name": "Elizabeth", "role": "heroine", "personality": "witty", "mentions": 9},
                {"name": "Mr. Darcy", "role": "suitor", "personality": "proud", "mentions": 7},
            ],
            "locations": [{"name": "Longbourn", "description": "the Bennets' home"}, {"name": "Netherfield"}],
            "items": [{"name": "letter", "importance": "HIGH"}],
            "era": "Regency",
            "atmosphere": "lively",
            "themes": ["marriage", "pride", "prejudice"],
            "summary": "The Bennet sisters meet their new neighbours.",
        }
    ).decode()


DEFAULT_REPLIES: dict[str, Any] = {
    "scene_analysis": _analysis_reply(),
    "story_segment": {
        "content": "Vendor narration of a passage.",
        "type": "main",
        "choices": [
            {"text": "Vendor choice A", "consequence": "A follows", "next_node_hint": "a"},
            {"text": "Vendor choice B", "consequence": "B follows", "next_node_hint": "b"},
        ],
    },
    "story_next_node": {
        "content": "Vendor: what follows your choice.",
        "type": "event",
        "choices": [{"text": "Vendor next 1", "consequence": "one"}, {"text": "Vendor next 2", "consequence": "two"}],
        "new_task": {"title": "Find the letter", "objectives": ["Ask Elizabeth", "Search Longbourn"]},
    },
    "story_command": {
        "reply": "Vendor console reply.",
        "choices": [
            {"text": "Vendor suggestion 1", "consequence": "s1", "impact": "70%"},
            {"text": "Vendor suggestion 2", "consequence": "s2", "impact": 0.4},
        ],
    },
    "story_explore": {"description": "Vendor: you look around.", "found_item": {"name": "old key"}},
    "text": "Vendor: the story moves on to the next passage.",
}


class TaskFakeOpenAI(FakeOpenAI):
    """Answers each chat completion by its task (the JSON schema's name; `text` for plain completions): first
    from `by_task[task]`, else with a valid default. `tasks` lists the tasks asked, in order."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.by_task: defaultdict[str, deque[str]] = defaultdict(deque)
        self.tasks: list[str] = []
        self._task = "text"

    async def record(self, request: Any) -> Seen:
        seen = await super().record(request)
        if seen.path.endswith("/chat/completions"):
            body = seen.body if isinstance(seen.body, dict) else {}
            self._task = ((body.get("response_format") or {}).get("json_schema") or {}).get("name", "text")
            self.tasks.append(self._task)
        return seen

    def next_reply(self) -> str:
        queued = self.by_task.get(self._task)
        if queued:
            return queued.popleft()
        reply = DEFAULT_REPLIES.get(self._task, DEFAULT_REPLIES["text"])
        return reply if isinstance(reply, str) else orjson.dumps(reply).decode()

    def chat_bodies(self, task: str) -> list[dict[str, Any]]:
        """The request bodies sent for `task`, in order."""
        bodies = [seen.body for seen in self.requests if seen.path.endswith("/chat/completions")]
        return [body for body, asked in zip(bodies, self.tasks, strict=True) if asked == task]


@contextlib.asynccontextmanager
async def vendor_configured(app: FastAPI, client: AsyncClient) -> AsyncIterator[TaskFakeOpenAI]:
    """A TaskFakeOpenAI on 127.0.0.1, saved as the app's LLM provider by an administrator."""
    async with openai_provider(app, client, TaskFakeOpenAI()) as fake:
        yield fake
