"""Loading the toolkit's heavy resources once, before the first request needs them.

jieba's dictionary (the tokenizer, about 350,000 words) and its part-of-speech tags load lazily on first use:
inside the first Chinese request otherwise, which then took seconds. `preload()` loads both (each behind its own
lock, so a request that races it waits for the one load) and says how long each took.
"""

from __future__ import annotations

import time

from sceneintruder.textkit import entities_zh, zh_tokens


def preload() -> dict[str, float]:
    """Load every lazily-built resource; returns the seconds each took (near zero when already loaded)."""
    timings: dict[str, float] = {}
    for name, load in (("zh_dictionary", zh_tokens.tokenizer), ("zh_word_tags", entities_zh.word_tags)):
        started = time.perf_counter()
        load()
        timings[name] = round(time.perf_counter() - started, 3)
    return timings
