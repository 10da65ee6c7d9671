"""A JSON mode one worker learned is every worker's: the second worker's first structured call to the same
server goes straight to the mode that works (one refusal for the cluster, not one per worker)."""

from __future__ import annotations

from sceneintruder.cluster.bus import LocalBus
from sceneintruder.providers.http import RetryPolicy, build_http_client
from sceneintruder.providers.llm.base import ChatMessage, CompletionRequest, ProviderConfig, Sampling
from sceneintruder.providers.llm.builtin import OfflineSkills
from sceneintruder.providers.registry import ProviderDeps, default_registry
from sceneintruder.settings.json_modes import TOPIC, SharedJsonModes
from tests.fakes.small_model import FakeSmallModel

SCHEMA = {"type": "object", "properties": {"answer": {"type": "string", "minLength": 1}}, "required": ["answer"]}


def _structured() -> CompletionRequest:
    return CompletionRequest(
        messages=(ChatMessage("system", "Answer in JSON."), ChatMessage("user", "Who is Anna?")),
        model="smollm2",
        sampling=Sampling(max_tokens=100),
        response_format="json",
        json_schema=SCHEMA,
        task="demo",
    )


async def test_a_mode_learned_by_one_worker_is_used_by_the_other_at_once() -> None:
    bus = LocalBus()  # what the cluster bus does between processes, here between two "workers"
    first_worker, second_worker = SharedJsonModes(bus), SharedJsonModes(bus)
    fake = FakeSmallModel(style="plain")
    http = build_http_client(read_timeout=10)
    async with fake.serving(fake.app()) as base:
        config = ProviderConfig(name="openai_compatible", base_url=f"{base}/v1", default_model="smollm2")

        def provider(modes: SharedJsonModes):
            deps = ProviderDeps(http=http, retry=RetryPolicy(max_retries=0), skills=OfflineSkills(), json_modes=modes)
            return default_registry().build(config, deps)

        one, two = provider(first_worker), provider(second_worker)
        await one.complete(_structured())
        assert two.json_mode("smollm2") == "json_object_schema"
        await two.complete(_structured())
    await http.aclose()
    assert len(fake.refusals) == 1  # json_schema refused once, by the first worker's call only
    sent = [seen.body["response_format"]["type"] for seen in fake.requests]
    assert sent == ["json_schema", "json_object", "json_object"]


def test_a_malformed_message_is_ignored_and_a_known_mode_is_not_told_again() -> None:
    bus, heard = LocalBus(), []
    bus.subscribe(TOPIC, heard.append)
    modes = SharedJsonModes(bus)
    bus.publish(TOPIC, b"{not json")
    bus.publish(TOPIC, b'{"key": 1}')
    assert dict(modes) == {}
    modes["ollama|http://127.0.0.1:11434|m"] = "json"
    modes["ollama|http://127.0.0.1:11434|m"] = "json"
    assert len(heard) == 3 and dict(modes) == {"ollama|http://127.0.0.1:11434|m": "json"}
