"""Every structured step on a small local model (issue 14, item 6): a fake llama.cpp-style server that refuses
`json_schema`, enforces a strict chat template and a 4,096-token context, and answers as a model under 1B does
(prose around the JSON, the JSON twice, cut before its closing brace, fenced, wrong keys). Through the app:
analysis, chat emotion, an exchange between characters, the story's narration, a choice, a console command and
an exploration all complete on the model; and a model whose replies cannot be used falls back, labelled."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import select

from sceneintruder.app import create_app
from sceneintruder.core.principal import Role
from sceneintruder.settings.models import LLMCall
from sceneintruder.settings.runtime import SettingsRuntime
from tests.comic.support import run_step, wait_task
from tests.fakes.small_model import FakeSmallModel, FakeSmallOllama
from tests.story.support import current_node, excerpt, get_story, settle
from tests.support.builders import bearer, make_user, token_for

MODEL = "smollm2-135m-instruct"


@contextlib.asynccontextmanager
async def _app_on(fake: FakeSmallModel, make_settings, **config: str) -> AsyncIterator[httpx.AsyncClient]:
    async with _served(fake, make_settings, **config) as (_, client):
        yield client


@contextlib.asynccontextmanager
async def _served(
    fake: FakeSmallModel | FakeSmallOllama, make_settings, **config: str
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(make_settings(allow_private_provider_urls=True, story_narrate_ahead=1))
    transport = httpx.ASGITransport(app=app)
    async with (
        fake.serving(fake.app()) as base,
        LifespanManager(app),
        httpx.AsyncClient(transport=transport, base_url="http://t", timeout=60) as client,
    ):
        await make_user(app, "root", role=Role.ADMIN)
        saved = await client.post(
            "/api/settings",
            headers=bearer(token_for(app, "root")),
            json={
                "llm_provider": "ollama" if isinstance(fake, FakeSmallOllama) else "openai_compatible",
                "llm_config": {"base_url": base if isinstance(fake, FakeSmallOllama) else f"{base}/v1", "model": MODEL}
                | config,
            },
        )
        assert saved.status_code == 200, saved.text
        yield app, client


async def _settled_scene(client: httpx.AsyncClient, chars: int) -> tuple[str, list[dict]]:
    """A scene of `chars` characters analysed on the model, its story's opening narrated; its id and cast."""
    created = await client.post("/api/scenes", json={"title": "Small", "text": excerpt(chars)})
    assert created.status_code == 201, created.text
    scene_id = created.json()["data"]["id"]
    await settle(client, scene_id)
    return scene_id, (await client.get(f"/api/scenes/{scene_id}/characters")).json()["data"]


async def test_every_structured_step_completes_on_a_small_model(make_settings) -> None:
    fake = FakeSmallModel()
    async with _app_on(fake, make_settings) as client:
        created = await client.post("/api/scenes", json={"title": "Small", "text": excerpt(6000)})
        assert created.status_code == 201, created.text
        scene = created.json()["data"]
        assert scene["analysis"]["provider"] == "openai_compatible" and "fallback_reason" not in scene["analysis"]
        cast = (await client.get(f"/api/scenes/{scene['id']}/characters")).json()["data"]
        assert len(cast) >= 2

        body = {"scene_id": scene["id"], "character_id": cast[0]["id"], "message": "How do you feel today?"}
        emotion = await client.post("/api/chat/emotion", json=body)
        assert emotion.status_code == 200, emotion.text
        assert emotion.json()["data"]["provider"] == "openai_compatible"

        exchange = await client.post(
            "/api/interactions/trigger",
            json={"scene_id": scene["id"], "character_ids": [c["id"] for c in cast[:2]], "topic": "the ball"},
        )
        assert exchange.status_code == 200, exchange.text

        await get_story(client, scene["id"])
        task = await settle(client, scene["id"])  # the story's passages narrated on the model
        assert task.get("status") in ("completed", "ready"), task
        story = await get_story(client, scene["id"])
        node = current_node(story)
        assert node["metadata"].get("provider") == "openai_compatible", node["metadata"]
        chose = await client.post(
            f"/api/scenes/{scene['id']}/story/choice",
            json={"node_id": node["id"], "choice_id": node["choices"][0]["id"]},
        )
        assert chose.status_code == 200, chose.text
        assert chose.json()["data"]["next_node"]["metadata"]["provider"] == "openai_compatible"
        status = (await client.get("/api/llm/status")).json()["data"]
        assert status["json_mode"] == "json_object_schema" and status["context_window"] == 4096  # learned, local
        command = await client.post(f"/api/scenes/{scene['id']}/story/command", json={"input": "look around"})
        assert command.status_code == 200, command.text
        story = await get_story(client, scene["id"])
        if story.get("locations"):
            place = story["locations"][0]
            await client.post(f"/api/scenes/{scene['id']}/story/locations/{place['id']}/unlock")
            explored = await client.post(f"/api/scenes/{scene['id']}/story/locations/{place['id']}/explore")
            assert explored.status_code == 200, explored.text

    structured = [
        seen.body for seen in fake.requests if seen.body.get("response_format") or "JSON Schema" in str(seen.body)
    ]
    assert len(structured) >= 7
    assert sum(1 for body in structured if body["response_format"]["type"] == "json_schema") == 1  # refused once
    assert all(body["response_format"] == {"type": "json_object", "schema": body["response_format"]["schema"]}
               for body in structured[1:])  # fmt: skip
    assert fake.refusals == ["Unsupported response_format type 'json_schema': use json_object with a schema"]
    assert {"prose", "twice", "cut", "fence", "wrong_keys"} <= set(fake.answered)  # every small-model habit met


@pytest.mark.parametrize("language_text", ["en"])
async def test_a_model_whose_replies_cannot_be_used_falls_back_and_says_so(make_settings, language_text) -> None:
    fake = FakeSmallModel(style="wrong_keys")
    async with _app_on(fake, make_settings) as client:
        created = await client.post("/api/scenes", json={"title": "Small", "text": excerpt(1500)})
        assert created.status_code == 201, created.text
        scene = created.json()["data"]
        assert scene["analysis"]["offline"] is True
        assert "unusable JSON" in scene["analysis"]["fallback_reason"]
        cast = (await client.get(f"/api/scenes/{scene['id']}/characters")).json()["data"]
        body = {"scene_id": scene["id"], "character_id": cast[0]["id"], "message": "How do you feel today?"}
        emotion = (await client.post("/api/chat/emotion", json=body)).json()["data"]
        assert emotion["provider"] == "builtin" and emotion["offline"] is True
        assert emotion["fallback_reason"].startswith(f"openai_compatible/{MODEL} replied twice with unusable JSON")


async def test_a_2048_token_model_gets_every_call_within_its_window(make_settings) -> None:
    """Analysis chunks sized for the window (never cut to fit), and a long chat history trimmed from its oldest
    turns: the server, which refuses any prompt that with max_tokens exceeds 2,048 tokens, refuses nothing."""
    fake = FakeSmallModel(n_ctx=2048, style="plain")
    async with _app_on(fake, make_settings, context_window="2048") as client:
        created = await client.post("/api/scenes", json={"title": "Small", "text": excerpt(6000)})
        assert created.status_code == 201, created.text
        scene = created.json()["data"]
        assert scene["analysis"]["chunk_count"] >= 3
        cast = (await client.get(f"/api/scenes/{scene['id']}/characters")).json()["data"]
        for turn in range(8):
            line = f"Turn {turn}: " + "Tell me everything you remember about that long evening at the ball. " * 12
            body = {"scene_id": scene["id"], "character_id": cast[0]["id"], "message": line}
            chat = await client.post("/api/chat", json=body)
            assert chat.status_code == 200, chat.text
    assert fake.refusals == ["Unsupported response_format type 'json_schema': use json_object with a schema"]
    analysis = [seen.body for seen in fake.requests if "JSON Schema" in str(seen.body)]
    assert all(" … " not in str(body["messages"]) for body in analysis)  # no chunk was cut to fit
    # The story's first passage is narrated by a job started with the scene: its call may come between or after
    # the chat turns (under load in CI it came last), so the last turn is looked up, not taken as the last call.
    turns = [seen.body for seen in fake.requests if "Turn " in str(seen.body) and "Node type" not in str(seen.body)]
    assert len(turns) == 8
    last_chat = turns[-1]
    assert "Turn 7" in last_chat["messages"][-1]["content"] and "Turn 0" not in str(last_chat["messages"])


async def test_a_llama_cpp_server_says_its_window_and_calls_are_sized_to_it(make_settings) -> None:
    """No context_window configured: the llama.cpp server's /props says n_ctx 2,048, and the analysis and a long
    chat fit it; the server refuses nothing but the one json_schema."""
    fake = FakeSmallModel(n_ctx=2048, style="plain", props=True)
    async with _app_on(fake, make_settings) as client:
        created = await client.post("/api/scenes", json={"title": "Small", "text": excerpt(6000)})
        assert created.status_code == 201, created.text
        assert (await client.get("/api/llm/status")).json()["data"]["context_window"] == 2048
        scene_id = created.json()["data"]["id"]
        cast = (await client.get(f"/api/scenes/{scene_id}/characters")).json()["data"]
        line = "Tell me everything you remember about that long evening at the ball. " * 40
        chat = await client.post(
            "/api/chat", json={"scene_id": scene_id, "character_id": cast[0]["id"], "message": line}
        )
        assert chat.status_code == 200, chat.text
    assert [seen.path for seen in fake.requests].count("/props") == 1
    assert len(fake.refusals) == 1


async def test_the_ledger_has_a_row_for_every_request_the_server_saw(make_settings) -> None:
    """Retries, a refused JSON mode and re-asks are rows of their own, each with its outcome: the ledger's
    count equals the server's."""
    fake = FakeSmallModel(styles=("wrong_keys", "plain"))  # each answer is re-asked once, then usable
    fake.plan("ok", "500")  # the second request (the first structured one after the refusal) crashes once
    async with _served(fake, make_settings) as (app, client):
        created = await client.post("/api/scenes", json={"title": "Small", "text": excerpt(6000)})
        assert created.status_code == 201, created.text
        await settle(client, created.json()["data"]["id"])  # the story's opening is narrated in the background
        ledger = app.state.components.get(SettingsRuntime).ledger
        assert ledger is not None
        await ledger.flush()  # rows are written by a background writer
        async with app.state.db.reader() as session:
            rows = list((await session.scalars(select(LLMCall).order_by(LLMCall.id))).all())
    chat_requests = [seen for seen in fake.requests if seen.path == "/v1/chat/completions"]
    assert len(rows) == len(chat_requests)
    outcomes = [row.outcome for row in rows]
    assert outcomes[:2] == ["format_refused", "unavailable"]  # refused mode, then a crash that was retried
    assert outcomes.count("parse_error") == outcomes.count("ok") >= 2  # every wrong-keys reply was re-asked
    assert all(row.provider == "openai_compatible" for row in rows)


async def test_streamed_replies_without_a_usage_chunk_are_estimated_and_a_cut_stream_is_counted_as_cut(
    make_settings,
) -> None:
    """llama-cpp-python's streams carry no usage even when asked: the ledger estimates their tokens and says so;
    a stream that dies mid-answer is a row with the outcome "cut"; the metrics' totals equal the server's count."""
    fake = FakeSmallModel(style="plain")
    async with _served(fake, make_settings) as (app, client):
        scene_id, cast = await _settled_scene(client, 1500)
        body = {
            "scene_id": scene_id,
            "character_id": cast[0]["id"],
            "message": "Tell me about the ball.",
            "stream": True,
        }
        streamed = await client.post("/api/chat", json=body)
        assert streamed.status_code == 200 and "event: done" in streamed.text, streamed.text
        fake.plan("cut")
        cut = await client.post("/api/chat", json={**body, "message": "And after the ball?"})
        assert "event: error" in cut.text and "event: done" not in cut.text, cut.text

        ledger = app.state.components.get(SettingsRuntime).ledger
        await ledger.flush()
        async with app.state.db.reader() as session:
            rows = list((await session.scalars(select(LLMCall).order_by(LLMCall.id))).all())
        admin = bearer(token_for(app, "root"))
        metrics = (await client.get("/api/config/metrics", headers=admin)).json()["data"]["llm"]

    chat_requests = [seen for seen in fake.requests if seen.path == "/v1/chat/completions"]
    assert len(rows) == len(chat_requests) == metrics["calls"]
    ok_stream, cut_stream = [row for row in rows if row.streamed]
    assert ok_stream.outcome == "ok" and ok_stream.tokens_estimated
    assert ok_stream.prompt_tokens > 0 and ok_stream.completion_tokens > 0  # estimated, not made-up zeros
    assert cut_stream.outcome == "cut"
    assert not any(row.tokens_estimated for row in rows if not row.streamed)  # the server counted those
    assert metrics["estimated_calls"] == 1


# Every task the project sends a model; the test below drives each one through the app.
EVERY_TASK = {
    "scene_analysis",
    "chat_reply",
    "chat_emotion",
    "character_dialogue",
    "story_segment",
    "story_next_node",
    "story_advance",
    "story_command",
    "story_explore",
    "comic_storyboard",
    "comic_frame_prompt",
    "comic_key_elements",
    "script_outline",
    "script_key_beats",
    "script_command",
}


def _template_problem(messages: list[dict]) -> str | None:
    roles = [m["role"] for m in messages]
    if "system" in roles[1:]:
        return "a system message after the first"
    turns = roles[1:] if roles[:1] == ["system"] else roles
    if not turns or turns[0] != "user" or turns[-1] != "user":
        return "turns do not run from a user turn to a user turn"
    if any(a == b for a, b in itertools.pairwise(turns)):
        return "two turns of one role in a row"
    return None


@pytest.mark.parametrize("server", ["llama_cpp", "ollama"])
async def test_every_task_sends_one_system_message_alternating_turns_and_a_max_tokens(make_settings, server) -> None:
    """Analysis (profiles included), chat (plain and streamed), emotion, an exchange, a simulation, an aggregate,
    the story's opening, a choice, an advance, a command and an exploration, the comic's storyboard, frame prompts
    and key elements, and the writing assistant's outline, key beats and command: each request the server got
    had one system message, first, then user/assistant turns from a user turn to a user turn, and a max_tokens
    that fits the window with the prompt. The strict server refused none of them for their shape. Through a
    llama-cpp-python-like server and an Ollama-like one; and the ledger has exactly the requests each received."""
    fake = FakeSmallModel(style="plain") if server == "llama_cpp" else FakeSmallOllama()
    async with _served(fake, make_settings) as (app, client):
        scene_id, cast = await _settled_scene(client, 2500)
        ids = [c["id"] for c in cast[:2]]
        ask = {"scene_id": scene_id, "character_id": ids[0], "message": "How was the ball?"}
        steps = [
            ("/api/chat", ask),
            ("/api/chat", {**ask, "stream": True}),
            ("/api/chat/emotion", ask),
            ("/api/interactions/trigger", {"scene_id": scene_id, "character_ids": ids, "topic": "the ball"}),
            ("/api/interactions/simulate", {"scene_id": scene_id, "character_ids": ids, "initial_situation": "Rain"}),
            ("/api/interactions/aggregate", {"scene_id": scene_id, "character_ids": ids, "message": "Hello"}),
        ]
        for path, body in steps:
            response = await client.post(path, json=body)
            assert response.status_code == 200, (path, response.text)
        node = current_node(await get_story(client, scene_id))
        story = f"/api/scenes/{scene_id}/story"
        for path, body in (
            (f"{story}/choice", {"node_id": node["id"], "choice_id": node["choices"][0]["id"]}),
            (f"{story}/advance", None),
            (f"{story}/command", {"input": "look around"}),
        ):
            response = await client.post(path, json=body)
            assert response.status_code == 200, (path, response.text)
        places = (await get_story(client, scene_id)).get("locations") or []
        assert places, "the story has a place to explore"
        await client.post(f"{story}/locations/{places[0]['id']}/unlock")
        explored = await client.post(f"{story}/locations/{places[0]['id']}/explore")
        assert explored.status_code == 200, explored.text

        comic = f"/api/scenes/{scene_id}/comic"
        await run_step(client, f"{comic}/analysis", {"target_frames": 2})
        await run_step(client, f"{comic}/prompts", {"style": "ink-wash"})
        await run_step(client, f"{comic}/key_elements", {})

        made = await client.post("/api/scripts", json={"title": "Lantern"})
        assert made.status_code == 201, made.text
        script_id = made.json()["data"]["id"]
        started = await client.post(f"/api/scripts/{script_id}/generate")
        assert started.status_code == 200, started.text
        assert (await wait_task(client, started.json()["data"]["task_id"]))["status"] == "completed"
        command = {"assist_mode": "completion", "command": "write it", "user_input": "", "options": {}}
        wrote = await client.post(f"/api/scripts/{script_id}/command", json=command)
        assert wrote.status_code == 200, wrote.text

        ledger = app.state.components.get(SettingsRuntime).ledger
        await ledger.flush()
        async with app.state.db.reader() as session:
            rows = list((await session.scalars(select(LLMCall).where(LLMCall.provider != "builtin"))).all())

    tasks = {row.task for row in rows}
    assert tasks >= EVERY_TASK, EVERY_TASK - tasks
    chat_path = "/v1/chat/completions" if server == "llama_cpp" else "/api/chat"
    sent = [seen.body for seen in fake.requests if seen.path == chat_path]
    assert len(rows) == len(sent)  # the ledger counts every request the server received
    if server == "llama_cpp":
        assert fake.refusals == ["Unsupported response_format type 'json_schema': use json_object with a schema"]
    else:
        assert fake.refusals == [] and all(body["options"]["num_ctx"] == 2048 for body in sent)  # /api/show
    for body in sent:
        messages = body["messages"]
        assert _template_problem(messages) is None, (_template_problem(messages), [m["role"] for m in messages])
        cap = body.get("max_tokens") if server == "llama_cpp" else body["options"].get("num_predict")
        assert isinstance(cap, int) and cap > 0
