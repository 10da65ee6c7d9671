"""The offline provider: deterministic, no network, and always marked `provider: "builtin"`.

It is the default when no vendor is configured, so every AI step of the product has one code path: a service
calls `LLMClient.complete_structured(task=..., inputs=...)`; vendors answer from the messages, while this
provider computes the answer from `inputs` with the offline skill the owning domain registered for `task`.
Free-text calls get the task's text skill when there is one, else a fixed template that says plainly that no
model produced it. Nothing here imports a domain: skills are plain callables handed in at start-up.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel

from sceneintruder.core.offload import Offload
from sceneintruder.providers.errors import ProviderRejected
from sceneintruder.providers.llm._common import elapsed_ms
from sceneintruder.providers.llm.base import Completion, CompletionChunk, CompletionRequest, LLMCapabilities, Usage
from sceneintruder.providers.llm.catalog import BUILTIN

T = TypeVar("T")
OfflineResult = str | Mapping[str, Any] | BaseModel
OfflineSkill = Callable[[Mapping[str, Any]], OfflineResult]
"""Computes a task's answer from the call's `inputs`, deterministically: text, or a JSON-able object."""

_WORDS = re.compile(r"\S+\s*")


class OfflineSkills:
    """Task name -> skill. Domains register theirs once at start-up (through `LLMClient`).

    Skills are CPU work (the analysis of a long chunk takes a while): they run through `offload`'s bounded
    thread pool when one is set (the app sets it), else in asyncio's default pool.
    """

    def __init__(self, offload: Offload | None = None) -> None:
        self._skills: dict[str, OfflineSkill] = {}
        self.offload = offload

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self.offload is not None:
            return await self.offload.run(fn, *args)
        return await asyncio.to_thread(fn, *args)

    def register(self, task: str, skill: OfflineSkill) -> None:
        if not task:
            raise ValueError("an offline skill needs a task name")
        if task in self._skills and self._skills[task] is not skill:
            raise ValueError(f"an offline skill is already registered for task {task!r}")
        self._skills[task] = skill

    def get(self, task: str) -> OfflineSkill | None:
        return self._skills.get(task)

    def tasks(self) -> tuple[str, ...]:
        return tuple(sorted(self._skills))


NO_USAGE = Usage()  # no model ran: no tokens were used (never an estimate that looks like a count)


def template_text(request: CompletionRequest) -> str:
    last_user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    excerpt = " ".join(last_user.split())[:160]
    digest = hashlib.sha256(last_user.encode("utf-8")).hexdigest()[:8]
    return (
        f"[offline builtin provider · {request.task or 'chat'} · {digest}] No language model is configured, "
        f"so this is placeholder text, not a model's answer. Configure a provider in the settings to get real "
        f"output. Your message began: “{excerpt}”"
    )


def _render(result: OfflineResult) -> str:
    if isinstance(result, str):
        return result
    if isinstance(result, BaseModel):
        return result.model_dump_json()
    return orjson.dumps(dict(result)).decode("utf-8")


def _limit_words(text: str, max_tokens: int | None) -> tuple[str, str]:
    if not max_tokens:
        return text, "stop"
    words = _WORDS.findall(text)
    if len(words) <= max_tokens:
        return text, "stop"
    return "".join(words[:max_tokens]).rstrip(), "length"


class BuiltinProvider:
    name = BUILTIN
    default_model = BUILTIN

    def __init__(self, skills: OfflineSkills) -> None:
        self._skills = skills

    @property
    def capabilities(self) -> LLMCapabilities:
        return LLMCapabilities(streaming=True, json_mode=True, max_context_tokens=1_000_000)

    def _answer(self, request: CompletionRequest) -> tuple[str, str]:
        skill = self._skills.get(request.task) if request.task else None
        if request.response_format == "json":
            if skill is None:
                raise ProviderRejected(
                    "离线模式不支持该任务，请在设置中配置LLM提供商",
                    provider=BUILTIN,
                    model=BUILTIN,
                    kind="bad_request",
                    vendor_code="no_offline_skill",
                )
            return _render(skill(request.inputs or {})), "stop"
        if skill is not None:
            return _limit_words(_render(skill(request.inputs or {})), request.sampling.max_tokens)
        return _limit_words(template_text(request), request.sampling.max_tokens)

    async def complete(self, request: CompletionRequest) -> Completion:
        started = time.perf_counter()
        text, finish = await self._skills.run(self._answer, request)
        return Completion(
            text=text,
            finish_reason=finish,
            usage=NO_USAGE,
            model=BUILTIN,
            provider=BUILTIN,
            latency_ms=elapsed_ms(started),
        )

    async def stream(self, request: CompletionRequest) -> AsyncIterator[CompletionChunk]:
        text, finish = await self._skills.run(self._answer, request)
        for word in _WORDS.findall(text):
            yield CompletionChunk(delta=word, model=BUILTIN, provider=BUILTIN)
        yield CompletionChunk(done=True, finish_reason=finish, usage=NO_USAGE, model=BUILTIN, provider=BUILTIN)

    async def list_models(self) -> list[str]:
        return [BUILTIN]

    async def aclose(self) -> None:
        """Nothing to release."""
