"""Gemini v1beta: key in a header, systemInstruction, `model` role, thinking off, `alt=sse` streaming."""

from __future__ import annotations

from sceneintruder.providers.llm.gemini import _build_payload
from tests.fakes._base import API_KEY
from tests.providers.llm.conftest import collect, request


async def test_request_shape(vendor) -> None:
    async with vendor("google") as (fake, provider):
        completion = await provider.complete(
            request(
                "gemini-2.5-flash",
                ("system", "Be brief."),
                ("user", "Hi"),
                ("assistant", "Hello."),
                ("user", "More"),
                temperature=0.4,
                max_tokens=64,
                top_p=0.9,
                stop=("END",),
                response_format="json",
            )
        )
    seen = fake.requests[0]
    assert seen.path == "/v1beta/models/gemini-2.5-flash:generateContent" and seen.query == {}
    assert seen.headers["x-goog-api-key"] == API_KEY
    assert set(seen.body) == {"contents", "generationConfig", "systemInstruction"}
    assert seen.body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert [c["role"] for c in seen.body["contents"]] == ["user", "model", "user"]
    assert seen.body["generationConfig"] == {
        "temperature": 0.4,
        "maxOutputTokens": 64,
        "topP": 0.9,
        "stopSequences": ["END"],
        "responseMimeType": "application/json",
        "thinkingConfig": {"thinkingBudget": 0},
    }
    assert completion.text == fake.default_reply and completion.provider == "google"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (17, 5)


async def test_streaming_uses_alt_sse(vendor) -> None:
    async with vendor("google") as (fake, provider):
        chunks = await collect(provider, request("gemini-2.5-flash"))
    seen = fake.requests[0]
    assert seen.path.endswith(":streamGenerateContent") and seen.query == {"alt": "sse"}
    assert "".join(c.delta for c in chunks if not c.done) == fake.default_reply
    assert chunks[-1].done and chunks[-1].finish_reason == "stop" and chunks[-1].usage.completion_tokens == 5


def test_thinking_budget_per_model_family() -> None:
    assert _build_payload(request("gemini-2.5-pro"))["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 128}
    assert "thinkingConfig" not in _build_payload(request("gemini-2.5-flash", reasoning=True))["generationConfig"]


async def test_list_models_keeps_generation_models(vendor) -> None:
    async with vendor("google") as (fake, provider):
        assert await provider.list_models() == ["gemini-2.5-flash"]
    assert fake.requests[0].headers["x-goog-api-key"] == API_KEY and fake.requests[0].query == {}
