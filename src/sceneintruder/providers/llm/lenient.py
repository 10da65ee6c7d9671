"""Reading sloppy LLM JSON: a base model and coercions shared by every schema real models are asked to fill.

Models answer `null` for "none", a string where a list was asked, `"7"` or `"7/10"` where an int was asked,
`"70%"` for a fraction, `"yes"` for a boolean and Chinese words for English enum values. Each schema keeps
its own field names and enums; these helpers only turn such answers into what the field expects, so one
sloppy value never fails a whole answer. (Code fences and prose around the JSON are the client's concern.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import model_validator

from sceneintruder.core.schemas import WireModel

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_LIST_SEPARATORS = re.compile(r"\s*[,，、;；/|]\s*")
_TRUE_WORDS = frozenset(
    {"true", "yes", "y", "1", "on", "open", "accessible", "是", "对", "可", "可以", "开放", "可进入"}
)
_FALSE_WORDS = frozenset({"false", "no", "n", "0", "off", "closed", "locked", "否", "不", "不可", "未解锁", "锁定"})
_LEVEL_WORDS = {
    "very low": 0.1,
    "low": 0.25,
    "minor": 0.25,
    "small": 0.25,
    "medium": 0.5,
    "moderate": 0.5,
    "normal": 0.5,
    "high": 0.8,
    "major": 0.8,
    "large": 0.8,
    "very high": 0.95,
    "critical": 1.0,
    "低": 0.25,
    "较低": 0.3,
    "小": 0.25,
    "中": 0.5,
    "中等": 0.5,
    "一般": 0.5,
    "高": 0.8,
    "较高": 0.7,
    "大": 0.8,
    "极高": 0.95,
}


class LenientModel(WireModel):
    """Drops `null` values so the field default applies: LLMs write `"new_item": null` for "none"."""

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items() if value is not None}
        return data


def as_text(value: Any) -> Any:
    """A list of strings where one string was asked becomes one sentence-like string; numbers become text."""
    if isinstance(value, list | tuple):
        return "; ".join(str(item).strip() for item in value if str(item).strip())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def as_text_list(value: Any) -> Any:
    """A single string where a list was asked: split on list punctuation ("joy, surprise" → two items)."""
    if isinstance(value, str):
        return [part for part in _LIST_SEPARATORS.split(value.strip()) if part]
    return value


def _read_number(value: Any) -> tuple[float | None, float | None, str]:
    """(the number in `value`, the 0-1 share a level word stands for, the text read): at most one is set."""
    if isinstance(value, bool):
        return None, None, ""
    if isinstance(value, int | float):
        return float(value), None, ""
    if not isinstance(value, str):
        return None, None, ""
    text = value.strip().casefold()
    if text in _LEVEL_WORDS:
        return None, _LEVEL_WORDS[text], text
    match = _NUMBER.search(text)
    return (float(match.group()) if match else None), None, text


def as_int_in_range(value: Any, *, low: int, high: int, default: int) -> int:
    """`7`, `"7"`, `"7/10"`, `7.6`, `"high"` → an int clamped to [low, high]; anything else → `default`.
    A fraction of one (`0.7`) on a scale above ten is read as that share of the scale."""
    number, level, _ = _read_number(value)
    if level is not None:
        number = low + level * (high - low)
    if number is None:
        return default
    if 0 < number < 1 and high >= 10:
        number *= high
    return max(low, min(high, round(number)))


def as_fraction(value: Any) -> float:
    """A 0-1 weight from `0.7`, `70`, `"70%"`, `"high"` or `"高"`; 0.0 when unreadable."""
    number, level, text = _read_number(value)
    if level is not None:
        return level
    if number is not None and "%" in text:
        number /= 100
    if number is None or number < 0:
        return 0.0
    if number > 1:
        number = number / 100 if number <= 100 else 1.0
    return round(number, 3)


def as_bool(value: Any, *, default: bool) -> bool:
    """`true`, `"yes"`, `"是"`, `1` → True; `"locked"`, `"否"`, `0` → False; anything else → `default`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        text = value.strip().casefold()
        if text in _TRUE_WORDS:
            return True
        if text in _FALSE_WORDS:
            return False
    return default


def as_object_list(value: Any, *, text_key: str) -> Any:
    """A single object becomes a list of one; bare strings in a list become `{text_key: string}`."""
    if isinstance(value, Mapping):
        value = [value]
    if isinstance(value, str):
        value = [value] if value.strip() else []
    if isinstance(value, list):
        return [{text_key: item} if isinstance(item, str) else item for item in value]
    return value
