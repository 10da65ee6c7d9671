"""LLMClient: builtin offline, structured output with one re-ask, fallback and cooldown, accounting."""

from __future__ import annotations

import socket

import pytest
from pydantic import BaseModel

from sceneintruder.core.errors import ServiceNotReady
from sceneintruder.providers.errors import ProviderBadResponse, ProviderRejected
from sceneintruder.providers.http import RetryPolicy
from sceneintruder.providers.llm.base import (
    ChatMessage,
    Completion,
    CompletionRequest,
    LLMCapabilities,
    Sampling,
    Usage,
)
from sceneintruder.providers.llm.builtin import BuiltinProvider
from sceneintruder.providers.llm.client import ActiveLLM, CallInfo, CallRecord, LLMClient
from sceneintruder.settings.offline import DEMO, DemoSummary, register

CALL = CallInfo("demo", user_id="alice", job_id="job_1")
HELLO = [{"role": "user", "content": "Hello"}]


class Verdict(BaseModel):
    guilty: str
    confidence: float


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_client(records: list[CallRecord], clock: Clock | None = None) -> LLMClient:
    async def recorder(record: CallRecord) -> None:
        records.append(record)

    client = LLMClient(recorder=recorder, cooldown_seconds=30, clock=clock or Clock())
    register(client)
    return client


def builtin_only(client: LLMClient) -> None:
    client.configure(ActiveLLM(primary=BuiltinProvider(client.skills)))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args, **_kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


async def test_builtin_answers_offline_and_says_so(no_network) -> None:
    records: list[CallRecord] = []
    client = make_client(records)
    builtin_only(client)
    text = await client.complete(HELLO, call=CallInfo("chat"))
    assert text.provider == "builtin" and text.model == "builtin"
    again = await client.complete(HELLO, call=CallInfo("chat"))
    assert "[offline builtin provider" in text.text and (text.text, text.usage) == (again.text, again.usage)
    chunks = [c async for c in client.stream(HELLO, call=CallInfo("chat"))]
    assert "".join(c.delta for c in chunks[:-1]) == text.text and chunks[-1].done
    result = await client.complete_structured(
        task=DEMO, schema=DemoSummary, messages=HELLO, inputs={"text": "Rain fell. Rain again, rain."}, call=CALL
    )
    assert result.value == DemoSummary(title="Rain fell.", word_count=5, keywords=["rain", "again", "fell"])
    assert result.completion.provider == "builtin" and result.attempts == 1
    assert [r.outcome for r in records] == ["ok", "ok", "ok", "ok"]
    assert (records[-1].task, records[-1].user_id, records[-1].job_id) == ("demo", "alice", "job_1")


async def test_builtin_refuses_structured_tasks_it_has_no_skill_for() -> None:
    client = make_client([])
    builtin_only(client)
    with pytest.raises(ProviderRejected) as caught:
        await client.complete_structured(task="unknown", schema=Verdict, messages=HELLO, inputs={}, call=CALL)
    assert caught.value.details["vendor_code"] == "no_offline_skill"


async def test_not_ready_is_llm_not_ready() -> None:
    client = make_client([])
    client.configure(ActiveLLM(primary=None, state="API key not configured", source="environment"))
    with pytest.raises(ServiceNotReady) as caught:
        await client.complete(HELLO, call=CALL)
    assert caught.value.code == "LLM_NOT_READY" and caught.value.details == "API key not configured"
    assert client.status().ready is False


async def test_structured_reads_fenced_json_from_a_vendor_in_json_mode(vendor) -> None:
    records: list[CallRecord] = []
    client = make_client(records)
    async with vendor("openai") as (fake, provider):
        client.configure(ActiveLLM(primary=provider, source="settings"))
        fake.replies.append('```json\n{"guilty": "the butler", "confidence": 0.8}\n```')
        result = await client.complete_structured(
            task="verdict", schema=Verdict, messages=[ChatMessage("user", "Who did it?")], inputs={}, call=CALL
        )
    assert result.value == Verdict(guilty="the butler", confidence=0.8) and result.attempts == 1
    body = fake.requests[0].body
    assert body["response_format"]["type"] == "json_schema"
    assert body["messages"][0]["role"] == "system" and "JSON Schema" in body["messages"][0]["content"]
    assert records[0].task == "verdict" and (records[0].prompt_tokens, records[0].completion_tokens) == (11, 7)


async def test_a_usable_reply_is_parsed_once_and_a_re_asked_one_by_its_own_text(vendor, monkeypatch) -> None:
    """The ledger's judgement parses the reply; the value returned is that parse, not a second one."""
    from sceneintruder.providers.llm import client as client_module

    parsed: list[str] = []
    real = client_module.parse_structured

    def counted(text, schema, **kwargs):
        parsed.append(text)
        return real(text, schema, **kwargs)

    monkeypatch.setattr(client_module, "parse_structured", counted)
    client = make_client([])
    async with vendor("openai") as (fake, provider):
        client.configure(ActiveLLM(primary=provider, source="settings"))
        fake.replies.extend(['{"guilty": "the butler"}', '{"guilty": "the cook", "confidence": 0.5}'])
        result = await client.complete_structured(task="verdict", schema=Verdict, messages=HELLO, inputs={}, call=CALL)
    assert result.value == Verdict(guilty="the cook", confidence=0.5) and result.attempts == 2
    # the first reply: judged unusable (once), then parsed for the error quoted back; the second: judged only
    assert parsed == [
        '{"guilty": "the butler"}',
        '{"guilty": "the butler"}',
        '{"guilty": "the cook", "confidence": 0.5}',
    ]


async def test_an_invalid_answer_is_re_asked_once_with_the_error(vendor) -> None:
    client = make_client([])
    async with vendor("anthropic") as (fake, provider):
        client.configure(ActiveLLM(primary=provider, source="settings"))
        fake.replies.extend(['{"guilty": "the butler"}', 'Here: {"guilty": "the cook", "confidence": 0.5}'])
        result = await client.complete_structured(task="verdict", schema=Verdict, messages=HELLO, inputs={}, call=CALL)
    assert result.value.guilty == "the cook" and result.attempts == 2
    retry = fake.requests[1].body["messages"]
    assert retry[-2] == {"role": "assistant", "content": '{"guilty": "the butler"}'}
    assert "confidence: Field required" in retry[-1]["content"]


async def test_two_invalid_answers_are_a_clear_bad_response(vendor) -> None:
    client = make_client([])
    async with vendor("google") as (fake, provider):
        client.configure(ActiveLLM(primary=provider, source="settings"))
        fake.replies.extend(["not json at all", "still not"])
        with pytest.raises(ProviderBadResponse) as caught:
            await client.complete_structured(task="verdict", schema=Verdict, messages=HELLO, inputs={}, call=CALL)
    assert caught.value.code == "LLM_BAD_RESPONSE" and caught.value.details["vendor_code"] == "schema_mismatch"
    assert len(fake.requests) == 2


async def test_no_response_cache_identical_calls_reach_the_vendor_each_time(vendor) -> None:
    client = make_client([])
    async with vendor("openai") as (fake, provider):
        client.configure(ActiveLLM(primary=provider, source="settings"))
        await client.complete(HELLO, call=CALL, sampling=Sampling(temperature=0))
        await client.complete(HELLO, call=CALL, sampling=Sampling(temperature=0))
    assert len(fake.requests) == 2


async def test_fallback_then_cooldown_then_the_primary_again(vendor, sleeps) -> None:
    records: list[CallRecord] = []
    clock = Clock()
    client = make_client(records, clock)
    async with vendor("openai", policy=RetryPolicy(max_retries=0)) as (fake, provider):
        client.configure(ActiveLLM(primary=provider, source="settings", fallbacks=(BuiltinProvider(client.skills),)))
        fake.plan("500")
        first = await client.complete(HELLO, call=CALL, sampling=Sampling(model="gpt-4o"))
        assert first.provider == "builtin" and len(fake.requests) == 1
        assert fake.requests[0].body["model"] == "gpt-4o"
        second = await client.complete(HELLO, call=CALL)
        assert second.provider == "builtin" and len(fake.requests) == 1  # cooling down: not even tried
        clock.now += 31
        third = await client.complete(HELLO, call=CALL)
        assert third.provider == "openai" and len(fake.requests) == 2
    assert [(r.provider, r.outcome) for r in records] == [
        ("openai", "unavailable"),
        ("builtin", "ok"),
        ("builtin", "ok"),
        ("openai", "ok"),
    ]


async def test_a_refused_request_does_not_fall_back(vendor) -> None:
    client = make_client([])
    async with vendor("openai") as (fake, provider):
        client.configure(ActiveLLM(primary=provider, source="settings", fallbacks=(BuiltinProvider(client.skills),)))
        fake.plan("context")
        with pytest.raises(ProviderRejected):
            await client.complete(HELLO, call=CALL)


async def test_stream_records_usage_and_an_abandoned_stream_is_cancelled(vendor) -> None:
    records: list[CallRecord] = []
    client = make_client(records)
    async with vendor("openai") as (_, provider):
        client.configure(ActiveLLM(primary=provider, source="settings"))
        chunks = [c async for c in client.stream(HELLO, call=CALL)]
        assert chunks[-1].usage.completion_tokens == 7
        stream = client.stream(HELLO, call=CALL)
        await anext(stream)
        await stream.aclose()
    assert [(r.outcome, r.streamed, r.completion_tokens) for r in records] == [("ok", True, 7), ("cancelled", True, 0)]


async def test_stream_falls_back_only_before_the_first_delta(vendor) -> None:
    client = make_client([])
    async with vendor("openai", policy=RetryPolicy(max_retries=0)) as (fake, provider):
        client.configure(ActiveLLM(primary=provider, source="settings", fallbacks=(BuiltinProvider(client.skills),)))
        fake.plan("500")
        chunks = [c async for c in client.stream(HELLO, call=CALL)]
        assert chunks[-1].provider == "builtin"


async def test_status_and_capabilities_follow_the_active_provider(vendor) -> None:
    client = make_client([])
    assert client.status().state == "Waiting for initialization"
    async with vendor("google") as (_, provider):
        client.configure(ActiveLLM(primary=provider, source="environment"))
        status = client.status()
        assert (status.ready, status.provider, status.model, status.source) == (
            True,
            "google",
            "gemini-2.5-flash",
            "environment",
        )
        assert client.capabilities().max_context_tokens == 1_000_000 and client.capabilities().json_mode


async def test_messages_and_skills_must_be_well_formed() -> None:
    client = make_client([])
    builtin_only(client)
    with pytest.raises(ValueError):
        client.register_offline_skill(DEMO, lambda _: "another")
    with pytest.raises(ValueError):
        await client.complete([{"role": "system", "content": "only a system prompt"}], call=CALL)
    with pytest.raises(ValueError):
        await client.complete([{"role": "tool", "content": "x"}], call=CALL)


class Scripted:
    """A provider answering each call with the next of `replies` (text, finish_reason)."""

    name = "scripted"
    default_model = "tiny"
    capabilities = LLMCapabilities(max_context_tokens=2048)

    def __init__(self, *replies: tuple[str, str]) -> None:
        self.replies = list(replies)
        self.requests: list[CompletionRequest] = []

    async def complete(self, request: CompletionRequest) -> Completion:
        self.requests.append(request)
        text, finish = self.replies.pop(0)
        return Completion(text=text, finish_reason=finish, usage=Usage(10, 5), model="tiny", provider=self.name)


async def test_a_reply_without_its_content_is_re_asked_and_each_try_is_a_row_with_what_was_wrong() -> None:
    """Valid JSON that leaves the answer's content empty is no answer; a reply the model cut at max_tokens is
    "cut", an empty one "empty"; the second failure falls back to the offline skill with the reason."""
    records: list[CallRecord] = []
    client = make_client(records)
    provider = Scripted(('{"verdict": {"guilty": ""', "length"), ("", "stop"))
    client.configure(ActiveLLM(primary=provider, source="settings"))
    result = await client.complete_structured(
        task=DEMO, schema=DemoSummary, messages=HELLO, inputs={"text": "A short text. It has two sentences."}, call=CALL
    )
    assert [r.outcome for r in records] == ["cut", "empty", "ok"]
    assert [r.provider for r in records] == ["scripted", "scripted", "builtin"]
    assert result.attempts == 3 and result.completion.provider == "builtin"
    assert "replied twice with unusable JSON" in result.completion.fallback_reason
    assert all(request.sampling.max_tokens for request in provider.requests)
