"""The settings domain's offline skills: the connection test, and `demo` (a small structured task that tests and
the benchmark use to exercise structured output end to end). `register(llm)` is called once at start-up, like
every domain's."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from sceneintruder.providers.llm.client import LLMClient

TEST_CONNECTION = "test_connection"
DEMO = "demo"
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)


class DemoSummary(BaseModel):
    title: str = Field(max_length=80)
    word_count: int = Field(ge=0)
    keywords: list[str] = Field(max_length=5)


def test_connection_reply(_: Mapping[str, Any]) -> str:
    return "Hello! The offline builtin provider is answering: no LLM vendor is configured."


def demo_summary(inputs: Mapping[str, Any]) -> DemoSummary:
    text = str(inputs.get("text", ""))
    first_sentence = re.split(r"(?<=[.!?。！？])\s*", text.strip(), maxsplit=1)[0]
    counts = Counter(word.lower() for word in _WORD.findall(text))
    keywords = [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]]
    return DemoSummary(title=first_sentence[:80], word_count=len(text.split()), keywords=keywords)


def register(llm: LLMClient) -> None:
    llm.register_offline_skill(TEST_CONNECTION, test_connection_reply)
    llm.register_offline_skill(DEMO, demo_summary)
