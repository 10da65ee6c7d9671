"""`LLMClient`: the one façade every domain calls for text, streams and structured results.

It holds the active provider chain (swapped synchronously by the settings service when a save commits, so a
call made after the save's response uses the new provider), tries the optional fallbacks when the active
provider fails with a transient or credential error (a failing provider then sits out a short cooldown), and
reports every provider call to an injected `UsageRecorder` (the settings domain writes them to the database).
No database, no web framework, no cross-call response cache: two identical creative calls are two calls.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from sceneintruder.core.errors import ServiceNotReady
from sceneintruder.core.offload import Offload
from sceneintruder.providers import attempts
from sceneintruder.providers.attempts import FailedAttempt
from sceneintruder.providers.errors import ProviderBadResponse, ProviderError
from sceneintruder.providers.llm import window
from sceneintruder.providers.llm._common import elapsed_ms
from sceneintruder.providers.llm.base import (
    ChatMessage,
    Completion,
    CompletionChunk,
    CompletionRequest,
    LLMCapabilities,
    LLMProvider,
    ResponseFormat,
    Sampling,
    Usage,
)
from sceneintruder.providers.llm.builtin import BuiltinProvider, OfflineSkill, OfflineSkills
from sceneintruder.providers.llm.catalog import BUILTIN
from sceneintruder.providers.llm.structured import (
    StructuredOutputError,
    json_schema_of,
    parse_structured,
    schema_instruction,
)

M = TypeVar("M", bound=BaseModel)
MessageLike = ChatMessage | Mapping[str, str]

DEFAULT_SAMPLING = Sampling()
FALLBACK_KINDS = frozenset({"auth", "rate_limit", "timeout", "unavailable"})
STATE_READY = "Ready"


@dataclass(frozen=True)
class CallInfo:
    """Who asked, for what: recorded with every call (accounting per task, user and job)."""

    task: str
    user_id: str | None = None
    job_id: str | None = None


@dataclass(frozen=True)
class CallRecord:
    task: str
    provider: str
    model: str
    outcome: str  # "ok", "cancelled", or the error kind
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    user_id: str | None
    job_id: str | None
    streamed: bool = False
    error_code: str | None = None
    tokens_estimated: bool = False  # the counts are window.estimate_tokens' figures: the server sent no usage


UsageRecorder = Callable[[CallRecord], Awaitable[None]]


@dataclass(frozen=True)
class StructuredResult(Generic[M]):
    value: M  # the validated schema instance
    completion: Completion  # the answer it was read from (provider, model, usage, latency)
    attempts: int  # 1; 2 when the model was re-asked once with the validation error; 3 when it fell back offline
    usage: Usage | None = None  # tokens of every attempt together (None: the completion's own)

    @property
    def total_usage(self) -> Usage:
        return self.usage or self.completion.usage


@dataclass(frozen=True)
class ActiveLLM:
    """The provider chain in force, or (primary None) why there is none: a reference ready-state string."""

    primary: LLMProvider | None
    state: str = STATE_READY
    source: str = "builtin"  # "settings", "environment" or "builtin"
    fallbacks: tuple[LLMProvider, ...] = ()


@dataclass(frozen=True)
class LLMStatus:
    ready: bool
    state: str
    provider: str
    model: str
    source: str
    fallbacks: tuple[str, ...]
    json_mode: str = "none"  # how structured calls ask the active model for JSON (learned per server)
    context_window: int = 0  # the active model's window in tokens, as calls are sized to it (0: no model)


@dataclass(frozen=True)
class _Params:
    """One call's parameters beyond its messages: how it samples, and what a structured call asks for."""

    sampling: Sampling = dataclasses.field(default_factory=Sampling)
    response_format: ResponseFormat = "text"
    json_schema: Mapping[str, Any] | None = None
    schema_name: str = "result"
    inputs: Mapping[str, Any] | None = None


REASK_EXCERPT_CHARS = 1_500  # of a failed structured reply, quoted back when re-asking


class _Judge(Generic[M]):
    """The ledger's outcome for a model's structured reply that arrived but cannot be used ("empty", "cut" when
    the model ran out of `max_tokens` before finishing it, else "parse_error"); None when it can be used. The
    value it parsed is kept, so that the reply is not parsed twice (`parse`)."""

    def __init__(self, schema: type[M]) -> None:
        self._schema = schema
        self._parsed: tuple[str, M] | None = None

    def __call__(self, completion: Completion) -> str | None:
        if not completion.text.strip():
            return "empty"
        try:
            value = parse_structured(completion.text, self._schema, content=True)
        except StructuredOutputError:
            return "cut" if completion.finish_reason == "length" else "parse_error"
        self._parsed = (completion.text, value)
        return None

    def parse(self, completion: Completion) -> M:
        """`completion`'s value (StructuredOutputError if it has none)."""
        content = completion.provider != BUILTIN
        parsed, self._parsed = self._parsed, None
        if content and parsed is not None and parsed[0] is completion.text:
            return parsed[1]
        return parse_structured(completion.text, self._schema, content=content)


async def _prepared(provider: LLMProvider) -> None:
    prepare = getattr(provider, "prepare", None)  # optional: adapters of local servers ask them for their window
    if prepare is not None:
        await prepare()


def _json_mode(provider: LLMProvider | None) -> str:
    if provider is None:
        return "none"
    if provider.name == BUILTIN:
        return "offline"
    learned = getattr(provider, "json_mode", None)
    if callable(learned):
        return str(learned(provider.default_model))
    return "json" if provider.capabilities.json_mode else "none"


def _stream_usage(
    provider: LLMProvider, request: CompletionRequest, usage: Usage | None, written: list[str]
) -> tuple[Usage, bool]:
    """A stream's tokens: the server's final usage chunk when it sent one; else, for a model, an estimate of the
    prompt and of what was streamed, flagged as one (the offline provider used none)."""
    if usage is not None and (usage.prompt_tokens or usage.completion_tokens):
        return usage, False
    if provider.name == BUILTIN:
        return Usage(), False
    estimate = Usage(window.prompt_tokens(request.messages), window.estimate_tokens("".join(written)))
    return estimate, True


def _excerpt(text: str) -> str:
    text = text.strip()
    return text if len(text) <= REASK_EXCERPT_CHARS else text[:REASK_EXCERPT_CHARS] + " …"


def normalise_turns(messages: tuple[ChatMessage, ...]) -> tuple[ChatMessage, ...]:
    """What every chat template accepts: one system message, first (all of them joined, in order); user and
    assistant turns alternating (same-role neighbours joined), starting and ending with a user turn."""
    system = "\n\n".join(m.content for m in messages if m.role == "system" and m.content.strip())
    turns: list[ChatMessage] = []
    for message in messages:
        if message.role == "system":
            continue
        if turns and turns[-1].role == message.role:
            turns[-1] = ChatMessage(message.role, f"{turns[-1].content}\n\n{message.content}")
        else:
            turns.append(message)
    if turns and turns[0].role == "assistant":
        turns.insert(0, ChatMessage("user", "(The conversation so far.)"))
    if turns and turns[-1].role == "assistant":
        turns.append(ChatMessage("user", "Go on."))
    return ((ChatMessage("system", system),) if system else ()) + tuple(turns)


def to_messages(messages: Sequence[MessageLike]) -> tuple[ChatMessage, ...]:
    result = []
    for message in messages:
        if isinstance(message, ChatMessage):
            result.append(message)
            continue
        role, content = message.get("role"), message.get("content")
        if role not in ("system", "user", "assistant") or not isinstance(content, str):
            raise ValueError("a message needs role system|user|assistant and string content")
        result.append(ChatMessage(role, content))  # type: ignore[arg-type]
    if not any(m.role != "system" for m in result):
        raise ValueError("a call needs at least one user message")
    return tuple(result)


class LLMClient:
    def __init__(
        self,
        *,
        recorder: UsageRecorder | None = None,
        cooldown_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        offload: Offload | None = None,
    ) -> None:
        self._active = ActiveLLM(primary=None, state="Waiting for initialization", source="")
        self._skills = OfflineSkills(offload)
        self._recorder = recorder
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._cooling: dict[int, float] = {}  # id(provider) -> monotonic time its cooldown ends

    # --- configuration ----------------------------------------------------------------------------------------

    @property
    def skills(self) -> OfflineSkills:
        return self._skills

    def set_recorder(self, recorder: UsageRecorder | None) -> None:
        self._recorder = recorder

    def configure(self, active: ActiveLLM) -> None:
        """Swap the provider chain. Synchronous: calls already running finish on the provider they started on."""
        self._active = active
        self._cooling.clear()

    def register_offline_skill(self, task: str, skill: OfflineSkill) -> None:
        """Domains register at start-up how the offline provider answers `task` (from a call's `inputs`)."""
        self._skills.register(task, skill)

    def status(self) -> LLMStatus:
        active = self._active
        primary = active.primary
        return LLMStatus(
            ready=primary is not None,
            state=active.state,
            provider=primary.name if primary else "",
            model=primary.default_model if primary else "",
            source=active.source,
            fallbacks=tuple(p.name for p in active.fallbacks),
            json_mode=_json_mode(primary),
            context_window=primary.capabilities.max_context_tokens if primary and primary.name != BUILTIN else 0,
        )

    def capabilities(self) -> LLMCapabilities:
        primary = self._active.primary
        return primary.capabilities if primary else LLMCapabilities()

    async def prepare(self) -> None:
        """Let the active provider learn what it can about its model (a local server's window) before a caller
        sizes its input by `capabilities()`; cheap after the first time."""
        if self._active.primary is not None:
            await _prepared(self._active.primary)

    # --- calls ------------------------------------------------------------------------------------------------

    async def complete(
        self,
        messages: Sequence[MessageLike],
        *,
        call: CallInfo,
        sampling: Sampling = DEFAULT_SAMPLING,
        response_format: ResponseFormat = "text",
        inputs: Mapping[str, Any] | None = None,
    ) -> Completion:
        params = _Params(sampling, response_format=response_format, inputs=inputs)
        return await self._complete(to_messages(messages), call, params)

    async def stream(
        self,
        messages: Sequence[MessageLike],
        *,
        call: CallInfo,
        sampling: Sampling = DEFAULT_SAMPLING,
        inputs: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[CompletionChunk]:
        """Deltas, then one final chunk (`done=True`) with finish_reason and usage. A fallback provider is tried
        only if the active one fails before its first delta (what was already shown cannot be taken back)."""
        params = _Params(sampling, inputs=inputs)
        request_messages = to_messages(messages)
        chain = self._chain()
        for position, provider in enumerate(chain):
            await _prepared(provider)
            request = self._request(provider, request_messages, call, params)
            started = time.perf_counter()
            emitted = False
            written: list[str] = []
            try:
                async for chunk in provider.stream(request):
                    if chunk.done:
                        usage, estimated = _stream_usage(provider, request, chunk.usage, written)
                        await self._record(
                            call,
                            provider.name,
                            chunk.model or request.model,
                            "ok",
                            started,
                            streamed=True,
                            prompt_tokens=usage.prompt_tokens,
                            completion_tokens=usage.completion_tokens,
                            estimated=estimated,
                        )
                        self._recovered(provider)
                    else:
                        written.append(chunk.delta)
                    emitted = True
                    yield chunk
                return
            except ProviderError as error:
                # a stream that broke off after it started is "cut" (the server saw it through, we did not)
                outcome = "cut" if emitted and error.kind in ("unavailable", "bad_response") else error.kind
                await self._record(call, provider.name, request.model, outcome, started, streamed=True, error=error)
                if emitted or not self._falls_back(error, position, len(chain)):
                    raise
                self._cool(provider)
            except (asyncio.CancelledError, GeneratorExit):
                await self._record(call, provider.name, request.model, "cancelled", started, streamed=True)
                raise

    async def complete_structured(
        self,
        *,
        task: str,
        schema: type[M],
        messages: Sequence[MessageLike],
        inputs: Mapping[str, Any],
        call: CallInfo,
        sampling: Sampling = DEFAULT_SAMPLING,
    ) -> StructuredResult[M]:
        """A validated `schema` instance. Vendors answer from `messages` (in the strongest JSON mode their server
        accepts; the schema's compact form is also in the one system message) within the window; the offline
        provider from `inputs`, with the skill registered for `task`. An answer that does not validate (prose, a
        cut-off object, wrong keys, nothing) is re-asked once, quoting a bounded excerpt and what was wrong. A
        second failure falls back to the offline skill, labelled with the reason (`fallback_reason`); with no
        skill for the task it is ProviderBadResponse."""
        base = _Params(
            sampling,
            response_format="json",
            json_schema=json_schema_of(schema),
            schema_name=task,
            inputs=inputs,
        )
        request_messages = (*to_messages(messages), ChatMessage("system", schema_instruction(schema)))
        task_call = dataclasses.replace(call, task=task)
        judge = _Judge(schema)
        completion = await self._complete(request_messages, task_call, base, judge)
        try:
            value = judge.parse(completion)
            return StructuredResult(value, completion, 1)
        except StructuredOutputError as first_error:
            retry_messages = (
                *request_messages,
                ChatMessage("assistant", _excerpt(completion.text)),
                ChatMessage(
                    "user",
                    f"That reply was not valid ({first_error}). Answer again with only the corrected JSON object.",
                ),
            )
        first_usage = completion.usage
        completion = await self._complete(retry_messages, task_call, base, judge)
        usage = Usage(
            first_usage.prompt_tokens + completion.usage.prompt_tokens,
            first_usage.completion_tokens + completion.usage.completion_tokens,
        )
        try:
            value = judge.parse(completion)
            return StructuredResult(value, completion, 2, usage)
        except StructuredOutputError as error:
            failed = ProviderBadResponse(
                "LLM返回的结构化结果不符合要求",
                provider=completion.provider,
                model=completion.model,
                vendor_code="schema_mismatch",
            )
            if completion.provider == BUILTIN or self._skills.get(task) is None:
                raise failed from error
            reason = f"{completion.provider}/{completion.model} replied twice with unusable JSON ({error})"
        offline = await self._offline(request_messages, task_call, base, reason)
        return StructuredResult(parse_structured(offline.text, schema), offline, 3, usage)

    # --- internals --------------------------------------------------------------------------------------------

    async def _offline(
        self, messages: tuple[ChatMessage, ...], call: CallInfo, params: _Params, reason: str
    ) -> Completion:
        """The offline skill's answer to a call a model could not answer usably, labelled with why."""
        provider = BuiltinProvider(self._skills)
        request = self._request(provider, messages, call, params)
        started = time.perf_counter()
        completion = await provider.complete(request)
        await self._record(call, BUILTIN, BUILTIN, "ok", started)
        return dataclasses.replace(completion, fallback_reason=reason[:300])

    async def _complete(
        self,
        messages: tuple[ChatMessage, ...],
        call: CallInfo,
        params: _Params,
        judge: Callable[[Completion], str | None] | None = None,
    ) -> Completion:
        """One answer from the chain. Every request a server received is a ledger row: the attempts that failed
        and were followed by another (retries, refused JSON modes), then the call's outcome, which `judge` may
        name ("empty", "parse_error", "cut") when the reply arrived but cannot be used."""
        chain = self._chain()
        for position, provider in enumerate(chain):
            await _prepared(provider)
            request = self._request(provider, messages, call, params)
            started = time.perf_counter()
            try:
                with attempts.collecting() as failed:
                    completion = await provider.complete(request)
            except ProviderError as error:
                await self._record_failed(call, provider.name, request.model, failed)
                await self._record(call, provider.name, request.model, error.kind, started, error=error)
                if not self._falls_back(error, position, len(chain)):
                    raise
                self._cool(provider)
                continue
            except asyncio.CancelledError:
                await self._record(call, provider.name, request.model, "cancelled", started)
                raise
            completion = dataclasses.replace(completion, latency_ms=elapsed_ms(started))
            await self._record_failed(call, provider.name, request.model, failed)
            await self._record(
                call,
                provider.name,
                completion.model,
                (judge(completion) if judge and provider.name != BUILTIN else None) or "ok",
                started,
                prompt_tokens=completion.usage.prompt_tokens,
                completion_tokens=completion.usage.completion_tokens,
            )
            self._recovered(provider)
            return completion
        raise AssertionError("unreachable: the last provider's error is re-raised")

    def _chain(self) -> list[LLMProvider]:
        active = self._active
        if active.primary is None:
            raise ServiceNotReady(details=active.state)
        providers = [active.primary, *active.fallbacks]
        now = self._clock()
        ready = [p for p in providers if self._cooling.get(id(p), 0.0) <= now]
        cooling = [p for p in providers if self._cooling.get(id(p), 0.0) > now]
        return ready + cooling  # a cooling provider is still tried, last, rather than failing outright

    def _request(
        self, provider: LLMProvider, messages: tuple[ChatMessage, ...], call: CallInfo, params: _Params
    ) -> CompletionRequest:
        """The call as `provider` gets it: turns every chat template accepts, a `max_tokens` on every model call,
        and a prompt trimmed so that it and `max_tokens` fit the model's window (the offline provider computes
        its answer from `inputs` and is left as it is)."""
        wanted = params.sampling.model
        model = wanted if wanted and provider is self._active.primary else provider.default_model
        sampling, turns = params.sampling, normalise_turns(messages)
        if provider.name != BUILTIN:
            size = provider.capabilities.max_context_tokens
            cap = window.output_cap(turns, size, sampling.max_tokens)
            if cap != sampling.max_tokens:
                sampling = dataclasses.replace(sampling, max_tokens=cap)
            turns = window.fit(turns, size, cap)
        return CompletionRequest(
            messages=turns,
            model=model,
            sampling=sampling,
            response_format=params.response_format,
            json_schema=params.json_schema,
            schema_name=params.schema_name,
            task=call.task,
            inputs=params.inputs,
        )

    def _falls_back(self, error: ProviderError, position: int, length: int) -> bool:
        return position + 1 < length and error.kind in FALLBACK_KINDS

    def _cool(self, provider: LLMProvider) -> None:
        if self._cooldown > 0:
            self._cooling[id(provider)] = self._clock() + self._cooldown

    def _recovered(self, provider: LLMProvider) -> None:
        self._cooling.pop(id(provider), None)

    async def _record_failed(self, call: CallInfo, provider: str, model: str, failed: list[FailedAttempt]) -> None:
        for attempt in failed:
            await self._record(
                call, provider, model, attempt.outcome, 0.0, latency_ms=attempt.latency_ms, code=attempt.error_code
            )

    async def _record(
        self,
        call: CallInfo,
        provider: str,
        model: str,
        outcome: str,
        started: float,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        streamed: bool = False,
        error: ProviderError | None = None,
        latency_ms: float | None = None,
        code: str | None = None,
        estimated: bool = False,
    ) -> None:
        if self._recorder is None:
            return
        await self._recorder(
            CallRecord(
                task=call.task,
                provider=provider,
                model=model,
                outcome=outcome,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                latency_ms=elapsed_ms(started) if latency_ms is None else latency_ms,
                user_id=call.user_id,
                job_id=call.job_id,
                streamed=streamed,
                error_code=error.code if error else code,
                tokens_estimated=estimated,
            )
        )
