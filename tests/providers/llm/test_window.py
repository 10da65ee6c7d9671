"""A call always fits the model's window: the estimate errs high for English and Chinese, the oldest turns go
first, then the middle of the longest message; a call that fits is untouched."""

from __future__ import annotations

import itertools

from sceneintruder.providers.llm import window
from sceneintruder.providers.llm.base import ChatMessage
from tests.fakes.small_model import estimate_tokens as small_model_tokens


def _conversation(turns: int, chars: int) -> tuple[ChatMessage, ...]:
    messages = [ChatMessage("system", "You are Anna. " * 20)]
    for i in range(turns):
        messages.append(ChatMessage("user" if i % 2 == 0 else "assistant", f"line {i} " + "word " * (chars // 5)))
    return tuple(messages)


def test_the_estimate_is_never_below_the_small_models_own_count() -> None:
    for text in ("Hello there, how are you today?", "林黛玉进贾府，步步留心，时时在意。", "Mixed 中文 and English."):
        assert window.estimate_tokens(text) >= small_model_tokens(text)


def test_a_call_that_fits_is_untouched() -> None:
    messages = _conversation(3, 200)
    assert window.fit(messages, 32_768, 1024) is messages


def test_the_oldest_turns_go_first_and_turns_keep_alternating() -> None:
    messages = _conversation(21, 1000)  # about 7,000 tokens of history
    fitted = window.fit(messages, 2048, 512)
    assert window.prompt_tokens(fitted) + 512 <= 2048
    assert fitted[0] == messages[0] and fitted[-1] == messages[-1]  # the system message and the new line stay
    roles = [m.role for m in fitted[1:]]
    assert roles[0] == "user" and all(a != b for a, b in itertools.pairwise(roles))
    assert fitted[1:] == messages[len(messages) - len(fitted) + 1 :]  # the newest turns, as they were


def test_one_message_too_long_keeps_its_head_and_its_tail() -> None:
    long = "BEGIN " + "在一个遥远的地方住着一位老人。" * 600 + " END"
    messages = (ChatMessage("system", "Analyse the passage."), ChatMessage("user", long))
    fitted = window.fit(messages, 4096, 1024)
    assert window.prompt_tokens(fitted) + 1024 <= 4096
    kept = fitted[1].content
    assert kept.startswith("BEGIN") and kept.endswith("END") and window.ELIDED in kept


def test_the_output_budget_is_a_quarter_of_the_window_within_bounds() -> None:
    assert window.output_budget(2048) == 512
    assert window.output_budget(512) == window.MIN_OUTPUT_TOKENS
    assert window.output_budget(1_000_000) == window.MAX_OUTPUT_TOKENS


def test_a_task_asking_for_more_output_than_its_prompt_leaves_room_for_gets_what_is_left() -> None:
    prompt = _conversation(1, 2000)  # some 700 tokens of prompt
    used = window.prompt_tokens(prompt)
    assert window.output_cap(prompt, 32_768, 2000) == 2000  # room enough: the task's own figure
    assert window.output_cap(prompt, 2048, 2000) == 2048 - used  # the prompt is kept whole, the output shrinks
    assert window.output_cap(prompt, 2048, None) == window.output_budget(2048)
    huge = _conversation(1, 12_000)  # longer than the window: output keeps its budget, fit() trims the prompt
    assert window.output_cap(huge, 2048, 2000) == window.output_budget(2048)
    kept = window.fit(huge, 2048, window.output_cap(huge, 2048, 2000))
    assert window.prompt_tokens(kept) + window.output_budget(2048) <= 2048
