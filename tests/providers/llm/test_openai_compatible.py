"""The OpenAI wire family: the exact request each vendor gets, streaming, JSON mode, model listing."""

from __future__ import annotations

import asyncio

import pytest

from sceneintruder.providers.llm.openai_compatible import _build_payload, resolve_model
from tests.fakes._base import API_KEY
from tests.providers.llm.conftest import collect, request

MULTI_TURN = (
    ("system", "You are Holmes."),
    ("user", "Who took the clock?"),
    ("assistant", "The butler, I suspect."),
    ("user", "Why?"),
)


async def test_openai_gets_the_full_conversation_and_typed_fields(vendor) -> None:
    async with vendor("openai") as (fake, provider):
        completion = await provider.complete(
            request("gpt-4.1", *MULTI_TURN, temperature=0.2, max_tokens=50, top_p=0.9, stop=("END",))
        )
    seen = fake.requests[0]
    assert seen.method == "POST" and seen.path == "/v1/chat/completions"
    assert seen.headers["authorization"] == f"Bearer {API_KEY}"
    assert seen.headers["content-type"] == "application/json"
    assert set(seen.body) == {"model", "messages", "temperature", "top_p", "max_completion_tokens", "stop"}
    assert seen.body["messages"] == [{"role": r, "content": c} for r, c in MULTI_TURN]
    assert (seen.body["max_completion_tokens"], seen.body["stop"]) == (50, ["END"])
    assert completion.text == fake.default_reply and completion.provider == "openai"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (11, 7)
    assert completion.finish_reason == "stop" and completion.model == "gpt-4.1" and completion.latency_ms > 0


async def test_openai_reasoning_models_get_no_sampling_knobs_and_low_effort(vendor) -> None:
    async with vendor("openai") as (fake, provider):
        await provider.complete(request("o3", temperature=0.7, max_tokens=20))
    body = fake.requests[0].body
    assert "temperature" not in body and body["max_completion_tokens"] == 20
    assert body["reasoning_effort"] == "low"


@pytest.mark.parametrize(
    ("vendor_name", "model", "path", "expected_model", "body_subset", "headers_subset", "absent_headers"),
    [
        ("deepseek", "deepseek-reasoner", "/v1/chat/completions", "deepseek-chat", {"max_tokens": 30}, {}, ()),
        ("qwen", "qwen3-max", "/v1/chat/completions", "qwen3-max", {"enable_thinking": False}, {}, ()),
        ("qwen", "qwq-plus", "/v1/chat/completions", "qwen3-max", {}, {}, ()),
        ("mistral", "mistral-large-latest", "/v1/chat/completions", "mistral-large-latest", {"max_tokens": 30}, {}, ()),
        ("grok", "grok-4-fast", "/v1/chat/completions", "grok-4-fast", {"max_tokens": 30}, {}, ()),
        (
            "glm",
            "glm-4.7-flash",
            "/v1/chat/completions",
            "glm-4.7-flash",
            {"thinking": {"type": "disabled"}},
            {},
            ("x-zhipuai-signature", "x-zhipuai-timestamp"),
        ),
        (
            "githubmodels",
            "gpt-4.1",
            "/inference/chat/completions",
            "openai/gpt-4.1",
            {"max_tokens": 30},
            {"x-github-api-version": "2022-11-28", "accept": "application/vnd.github+json"},
            ("api-key",),
        ),
        (
            "openrouter",
            "x-ai/grok-4.1-fast:free",
            "/v1/chat/completions",
            "x-ai/grok-4.1-fast:free",
            {"reasoning": {"enabled": False}},
            {"x-title": "sceneintruder"},
            ("http-referer",),
        ),
        (
            "nvidia",
            "moonshotai/kimi-k2.5",
            "/v1/chat/completions",
            "moonshotai/kimi-k2.5",
            {"chat_template_kwargs": {"thinking": False}},
            {},
            (),
        ),
    ],
)
async def test_each_vendor_gets_its_own_quirks(
    vendor, vendor_name, model, path, expected_model, body_subset, headers_subset, absent_headers
) -> None:
    async with vendor(vendor_name) as (fake, provider):
        completion = await provider.complete(request(model, max_tokens=30))
    seen = fake.requests[0]
    assert seen.path == path and seen.headers["authorization"] == f"Bearer {API_KEY}"
    assert seen.body["model"] == expected_model
    assert body_subset.items() <= seen.body.items()
    assert headers_subset.items() <= seen.headers.items()
    assert not set(absent_headers) & set(seen.headers)
    assert completion.provider == vendor_name and completion.text == fake.default_reply


async def test_openai_compatible_any_base_url_without_a_key_sends_no_authorization(vendor) -> None:
    async with vendor("openai_compatible", api_key="", default_model="local-model") as (fake, provider):
        completion = await provider.complete(request(provider.default_model))
    assert "authorization" not in fake.requests[0].headers
    assert fake.requests[0].body["model"] == "local-model" and completion.provider == "openai_compatible"


async def test_openrouter_attribution_headers_come_from_the_config(vendor) -> None:
    options = {"app_name": "My Studio", "http_referer": "https://studio.example"}
    async with vendor("openrouter", options=options) as (fake, provider):
        await provider.complete(request("openrouter/auto"))
    headers = fake.requests[0].headers
    assert headers["x-title"] == "My Studio" and headers["http-referer"] == "https://studio.example"


async def test_streaming_yields_deltas_then_one_final_chunk_with_usage(vendor) -> None:
    async with vendor("openai") as (fake, provider):
        chunks = await collect(provider, request("gpt-4.1"))
    body = fake.requests[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert fake.requests[0].headers["accept"] == "text/event-stream"
    assert "".join(c.delta for c in chunks[:-1]) == fake.default_reply
    final = chunks[-1]
    assert final.done and final.finish_reason == "stop" and final.provider == "openai"
    assert (final.usage.prompt_tokens, final.usage.completion_tokens) == (11, 7)


async def test_qwen_streams_ask_for_dashscope_sse_and_mistral_gets_no_stream_options(vendor) -> None:
    async with vendor("qwen") as (fake, provider):
        await collect(provider, request("qwen3-max"))
    assert fake.requests[0].headers["x-dashscope-sse"] == "enable"
    async with vendor("mistral") as (fake, provider):
        chunks = await collect(provider, request("mistral-small-latest"))
    assert "stream_options" not in fake.requests[0].body and chunks[-1].done


def test_json_mode_is_a_schema_for_openai_and_plain_json_for_deepseek() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    req = request("gpt-4.1", response_format="json", json_schema=schema, schema_name="demo")
    assert _build_payload("openai", req, stream=False)["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "demo", "schema": schema, "strict": False},
    }
    assert _build_payload("deepseek", req, stream=False)["response_format"] == {"type": "json_object"}
    assert "response_format" not in _build_payload("nvidia", req, stream=False)


def test_reasoning_is_switched_on_only_when_asked() -> None:
    assert resolve_model("deepseek", "deepseek-reasoner", reasoning=True) == "deepseek-reasoner"
    body = _build_payload("glm", request("glm-5", reasoning=True), stream=False)
    assert body["thinking"] == {"type": "enabled"}
    assert "reasoning" not in _build_payload("openrouter", request("x", reasoning=True), stream=False)


async def test_list_models_reads_the_vendor_listing(vendor) -> None:
    async with vendor("openai") as (fake, provider):
        assert await provider.list_models() == ["gpt-4.1", "o3"]
    assert fake.requests[0].path == "/v1/models"
    async with vendor("githubmodels") as (fake, provider):
        assert await provider.list_models() == ["openai/gpt-4.1", "xai/grok-3"]
    assert fake.requests[0].path == "/catalog/models"


async def test_structured_calls_wait_for_the_json_mode_once_then_go_together(vendor) -> None:
    """Until a JSON mode has worked for a model its structured calls go one at a time; once it has, those that
    were waiting go at once (they were run one after another, each a model call long, at 20 concurrent choices)."""
    async with vendor("openai") as (fake, provider):
        fake.delay = 0.05
        in_flight, most = [0], [0]
        calling = provider._complete

        async def counted(asked):
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            try:
                return await calling(asked)
            finally:
                in_flight[0] -= 1

        provider._complete = counted
        asked = request("gpt-4.1", response_format="json")
        first = asyncio.ensure_future(provider.complete(asked))
        await asyncio.sleep(0)  # the first call negotiates; the rest wait for it
        await asyncio.gather(first, *(provider.complete(asked) for _ in range(4)))
    assert len(fake.requests) == 5 and most[0] == 4
