"""Ollama's native chat API: options, think flag, NDJSON streaming, a missing model."""

from __future__ import annotations

import pytest

from sceneintruder.providers.errors import ProviderRejected
from sceneintruder.providers.llm.ollama import normalise_host
from tests.providers.llm.conftest import collect, request


async def test_request_shape_and_answer(vendor) -> None:
    async with vendor("ollama", api_key="") as (fake, provider):
        completion = await provider.complete(
            request("llama3.2", temperature=0.1, max_tokens=12, top_p=0.5, stop=("###",))
        )
    seen = fake.requests[0]
    assert seen.path == "/api/chat" and "authorization" not in seen.headers
    assert seen.body == {
        "model": "llama3.2",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
        "stream": False,
        "think": False,
        "options": {"temperature": 0.1, "num_predict": 12, "top_p": 0.5, "stop": ["###"], "num_ctx": 4096},
    }  # num_ctx always: Ollama otherwise cuts a prompt to its own default window
    assert completion.text == fake.default_reply and completion.usage.prompt_tokens == 19


async def test_streaming_reads_ndjson_until_done(vendor) -> None:
    async with vendor("ollama", api_key="") as (fake, provider):
        chunks = await collect(provider, request("llama3.2"))
    assert fake.requests[0].body["stream"] is True
    assert "".join(c.delta for c in chunks if not c.done) == fake.default_reply
    assert chunks[-1].done and chunks[-1].usage.completion_tokens == 6


async def test_a_missing_model_is_a_rejected_request(vendor) -> None:
    async with vendor("ollama", api_key="") as (_, provider):
        with pytest.raises(ProviderRejected) as caught:
            await provider.complete(request("missing"))
    assert caught.value.kind == "bad_request"


async def test_list_models_and_host_forms(vendor) -> None:
    async with vendor("ollama", api_key="") as (_, provider):
        assert await provider.list_models() == ["llama3.2:latest"]
    assert normalise_host("127.0.0.1:11434") == "http://127.0.0.1:11434"


async def test_a_structured_call_sends_the_schema_as_format_and_falls_back_to_json_once(vendor) -> None:
    schema = {"type": "object", "properties": {"mood": {"type": "string"}}}
    asked = request("llama3.2", response_format="json", json_schema=schema)
    async with vendor("ollama", api_key="") as (fake, provider):
        await provider.complete(asked)
        assert fake.requests[-1].body["format"] == schema  # Ollama 0.5+: the schema, enforced by grammar
        fake.accepts_schema = False
        await provider.complete(request("llama3.1", response_format="json", json_schema=schema))
        await provider.complete(request("llama3.1", response_format="json", json_schema=schema))
    formats = [seen.body["format"] for seen in fake.requests[1:]]
    assert formats == [schema, "json", "json"]  # refused once, then plain JSON mode at once and from then on


async def test_the_models_own_shorter_context_caps_num_ctx(vendor) -> None:
    async with vendor("ollama", api_key="") as (fake, provider):
        fake.context_length = 2048
        await provider.prepare()
        assert provider.capabilities.max_context_tokens == 2048
        await provider.complete(request("llama3.2"))
    assert fake.requests[0].path == "/api/show" and fake.requests[0].body == {"model": provider.default_model}
    assert fake.requests[-1].body["options"]["num_ctx"] == 2048
