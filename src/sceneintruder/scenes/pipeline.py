"""Analysing a whole text: chunks sized for the active model, analysed concurrently, merged into one scene.

The reference read only the first 5,000 characters for most of its analysis. Here every chunk goes through the
same structured call (`scene_analysis`): vendors answer from the prompt, the offline provider from the
chunk itself (`scenes.offline`). Concurrency is bounded; progress is reported per chunk;
cancelling the caller cancels every chunk in flight.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sceneintruder.core.offload import Offload
from sceneintruder.providers.llm.base import Sampling
from sceneintruder.providers.llm.catalog import BUILTIN
from sceneintruder.providers.llm.client import CallInfo, LLMClient
from sceneintruder.scenes import merge
from sceneintruder.scenes.analysis_schema import ANALYSIS_TASK, ChunkAnalysis, SceneAnalysis
from sceneintruder.textkit import text

PROMPT_SHARE = 0.5  # of the model's context: the rest is instructions, schema and the answer
CHARS_PER_TOKEN = {"en": 3.5, "zh": 1.2}
SMALL_WINDOW = 8192  # up to this, a local model's tokenizer is assumed (providers.llm.window.estimate_tokens)
SMALL_MODEL_CHARS_PER_TOKEN = {"en": 3.0, "zh": 0.5}
SMALL_PROMPT_SHARE = 0.4  # the rest: instructions and schema (~500 tokens) and the answer (a quarter)

T = TypeVar("T")
ProgressCallback = Callable[[int, int], Awaitable[None]]
"""(chunks done, chunks in all)"""

_SYSTEM = {
    "en": (
        "You are a careful literary analyst. Read the passage of a novel and list who is in it, where it "
        "happens, the objects that matter, the era, the atmosphere, the themes, and a short summary. Only report "
        "what the passage supports; use the names exactly as written; relationships name the other character."
    ),
    "zh": (
        "你是一位严谨的文学分析者。阅读小说片段，列出出场人物、发生地点、重要物品、时代、氛围、主题，并写一段简短摘要。"
        "只报告片段中有依据的内容；人物名称照原文书写；人物关系写明对方的名字。请用中文回答。"
    ),
}


@dataclass(frozen=True)
class AnalysisOutcome:
    analysis: SceneAnalysis
    provider: str
    chunks: int
    fallback_reason: str = ""  # why parts were analysed offline although a model is configured


def chunk_chars(max_context_tokens: int, language: str, cap: int) -> int:
    """How many characters of text fit one call for this model, at most `cap` (so progress stays granular). A
    small window (a local model) is counted as `providers.llm.window` counts it, which errs high, so a chunk is
    never cut to fit."""
    lang = "zh" if language == "zh" else "en"
    small = max_context_tokens <= SMALL_WINDOW
    per_token = SMALL_MODEL_CHARS_PER_TOKEN[lang] if small else CHARS_PER_TOKEN[lang]
    fitting = int(max_context_tokens * (SMALL_PROMPT_SHARE if small else PROMPT_SHARE) * per_token)
    return max(500, min(cap, fitting))


def analysis_messages(*, title: str, chunk: str, index: int, total: int, language: str) -> list[dict[str, str]]:
    lang = "zh" if language == "zh" else "en"
    part = f"第 {index + 1}/{total} 部分" if lang == "zh" else f"part {index + 1} of {total}"
    heading = f"《{title}》 {part}" if lang == "zh" else f"{title} — {part}"
    return [{"role": "system", "content": _SYSTEM[lang]}, {"role": "user", "content": f"{heading}\n\n{chunk}"}]


async def analyze_text(
    llm: LLMClient,
    *,
    title: str,
    source: str,
    call: CallInfo,
    concurrency: int,
    max_chunk_chars: int,
    on_progress: ProgressCallback | None = None,
    offload: Offload | None = None,
) -> AnalysisOutcome:
    """`offload`: where the text is measured and cut (CPU work on a whole book), else on the loop."""

    async def cpu(fn: Callable[..., T], *args: Any) -> T:
        return await offload.run(fn, *args) if offload is not None else fn(*args)

    language = await cpu(text.detect_language, source)
    await llm.prepare()  # a local server's own window, if it tells it
    size = chunk_chars(llm.capabilities().max_context_tokens, language, max_chunk_chars)
    chunks = await cpu(functools.partial(text.chunk_text, source, max_chars=size))
    limit = asyncio.Semaphore(concurrency)
    done = 0
    providers: set[str] = set()
    fallbacks: list[str] = []

    async def analyse(chunk: text.TextChunk) -> ChunkAnalysis:
        nonlocal done
        async with limit:
            result = await llm.complete_structured(
                task=ANALYSIS_TASK,
                schema=ChunkAnalysis,
                messages=analysis_messages(
                    title=title, chunk=chunk.text, index=chunk.index, total=len(chunks), language=language
                ),
                inputs={"text": chunk.text, "language": language, "title": title},
                call=call,
                sampling=Sampling(temperature=0.2),
            )
        providers.add(result.completion.provider)
        if result.completion.fallback_reason:
            fallbacks.append(result.completion.fallback_reason)
        done += 1
        if on_progress is not None:
            await on_progress(done, len(chunks))
        return result.value

    findings = await _gather_or_cancel([analyse(chunk) for chunk in chunks])
    analysis = merge.merge_analyses(findings, language=language, title=title)
    if providers - {BUILTIN}:
        analysis = only_named_in(analysis, source)
    reason = f"{fallbacks[0]} ({len(fallbacks)} of {len(chunks)} parts analysed offline)" if fallbacks else ""
    return AnalysisOutcome(
        analysis, provider=",".join(sorted(providers)) or "none", chunks=len(chunks), fallback_reason=reason
    )


def only_named_in(analysis: SceneAnalysis, source: str) -> SceneAnalysis:
    """The analysis without the characters a model made up: those whose name and aliases never occur in the
    text (a small model fills its answer with the schema's words, or with people from other books)."""
    folded = source.casefold()
    kept = [
        character
        for character in analysis.characters
        if any(name.strip() and name.strip().casefold() in folded for name in (character.name, *character.aliases))
    ]
    return analysis if len(kept) == len(analysis.characters) else analysis.model_copy(update={"characters": kept})


async def _gather_or_cancel(coroutines: list[Awaitable[ChunkAnalysis]]) -> list[ChunkAnalysis]:
    """All results in order; the first failure (or a cancellation) cancels the chunks still running."""
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
