"""Fitting a call into the model's context window: a token estimate that errs on the large side for English and
Chinese alike, a default output budget, and trimming what a prompt can lose (the oldest turns first, then the
longest message's middle) so that the prompt and `max_tokens` together never exceed the window.

A local model server with a 2,048-4,096-token window refuses (or silently truncates) a prompt that does not
fit; a vendor with a large window is never touched by this. Pure functions.
"""

from __future__ import annotations

import re

from sceneintruder.providers.llm.base import ChatMessage

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
PER_MESSAGE_TOKENS = 8  # the chat template's own tokens around each message
MIN_OUTPUT_TOKENS = 256
MAX_OUTPUT_TOKENS = 8192
ELIDED = " … "


def estimate_tokens(text: str) -> int:
    """At least as many tokens as a small model's tokenizer makes of `text`: a CJK character counts 2 (English-
    centred vocabularies split most of them in two or three bytes-pieces), other text one per 3 characters."""
    cjk = len(_CJK.findall(text))
    return 2 * cjk + -(-(len(text) - cjk) // 3)


def prompt_tokens(messages: tuple[ChatMessage, ...]) -> int:
    return sum(estimate_tokens(m.content) + PER_MESSAGE_TOKENS for m in messages)


def output_budget(window: int) -> int:
    """`max_tokens` of a call that sets none: a quarter of the window, MIN_OUTPUT_TOKENS to MAX_OUTPUT_TOKENS."""
    return max(MIN_OUTPUT_TOKENS, min(MAX_OUTPUT_TOKENS, window // 4))


def output_cap(messages: tuple[ChatMessage, ...], window: int, wanted: int | None) -> int:
    """`max_tokens` of a call: what the task wants (else `output_budget`), lowered when the prompt leaves less
    room in the window, but never below `output_budget` (a prompt that long is trimmed by `fit` instead): a
    task that asks for 2,000 tokens of a 2,048-token model must not squeeze its own prompt to nothing."""
    budget = output_budget(window)
    if wanted is None:
        return budget
    room = window - prompt_tokens(messages)
    return min(wanted, max(budget, room))


def fit(messages: tuple[ChatMessage, ...], window: int, max_tokens: int) -> tuple[ChatMessage, ...]:
    """`messages` trimmed until their estimate plus `max_tokens` fits `window`: first the oldest turns between
    the system message and the last user turn (two at a time, so turns keep alternating), then the middle of
    the longest message, which keeps its head and its tail. Unchanged when it fits already."""
    room = window - max_tokens
    if prompt_tokens(messages) <= room:
        return messages
    kept = list(messages)
    first_turn = 1 if kept and kept[0].role == "system" else 0
    while prompt_tokens(tuple(kept)) > room and len(kept) - first_turn > 2:
        del kept[first_turn : first_turn + 2]
    while (excess := prompt_tokens(tuple(kept)) - room) > 0:
        longest = max(range(len(kept)), key=lambda i: estimate_tokens(kept[i].content))
        content = kept[longest].content
        tokens = estimate_tokens(content)
        if tokens <= 16:
            break  # nothing left worth cutting: the server will say the prompt is too long
        keep_chars = max(16, int(len(content) * (tokens - excess - 8) / tokens))
        head, tail = content[: keep_chars // 2], content[len(content) - keep_chars // 2 :]
        kept[longest] = ChatMessage(kept[longest].role, head + ELIDED + tail)
    return tuple(kept)
