"""Anthropic's Messages API: exact request, system prompt field, real streaming events."""

from __future__ import annotations

from sceneintruder.providers.llm.anthropic import _build_payload
from tests.fakes._base import API_KEY
from tests.providers.llm.conftest import collect, request


async def test_request_has_the_key_header_version_system_field_and_real_model_id(vendor) -> None:
    async with vendor("anthropic") as (fake, provider):
        completion = await provider.complete(
            request(
                "claude-haiku-4.5",
                ("system", "You are terse."),
                ("user", "Hi"),
                ("assistant", "Hello."),
                ("user", "Again"),
                temperature=0.3,
                stop=("END",),
            )
        )
    seen = fake.requests[0]
    assert seen.path == "/v1/messages"
    assert seen.headers["x-api-key"] == API_KEY and seen.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in seen.headers
    assert set(seen.body) == {"model", "max_tokens", "messages", "system", "temperature", "stop_sequences"}
    assert seen.body["model"] == "claude-haiku-4-5" and seen.body["max_tokens"] == 1024
    assert seen.body["system"] == "You are terse."
    assert [m["role"] for m in seen.body["messages"]] == ["user", "assistant", "user"]
    assert completion.text == fake.default_reply and completion.provider == "anthropic"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (13, 9)


async def test_streaming_reads_text_deltas_and_usage_from_message_delta(vendor) -> None:
    async with vendor("anthropic") as (fake, provider):
        chunks = await collect(provider, request("claude-sonnet-4-5"))
    assert fake.requests[0].body["stream"] is True
    assert "".join(c.delta for c in chunks if not c.done) == fake.default_reply
    final = chunks[-1]
    assert final.done and final.finish_reason == "stop"
    assert (final.usage.prompt_tokens, final.usage.completion_tokens) == (13, 9)


def test_thinking_only_when_asked_and_consecutive_turns_are_merged() -> None:
    plain = _build_payload(request("claude-sonnet-4-5", ("user", "a"), ("user", "b")), stream=False)
    assert "thinking" not in plain and plain["messages"] == [{"role": "user", "content": "a\n\nb"}]
    thinking = _build_payload(request("claude-sonnet-4-5", reasoning=True, temperature=0.5), stream=False)
    assert thinking["thinking"]["type"] == "enabled" and "temperature" not in thinking


async def test_list_models(vendor) -> None:
    async with vendor("anthropic") as (_, provider):
        assert await provider.list_models() == ["claude-sonnet-4-5"]
