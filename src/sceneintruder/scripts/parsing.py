"""Reading an outline batch from a model's reply, leniently (spec §11.1.3): code fences stripped, the JSON
object, else the text from its first `{` to its last `}`, else every complete chapter object of a `chapters`
array cut off mid-way (brace matching that knows strings and escapes). A cut reply still yields the chapters it
finished; the acceptance rule (`accepted`) says whether the batch is good enough."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)(?:```|$)", re.DOTALL)
ACCEPT_SHARE = 0.7  # of the batch's chapters with a title and a summary


@dataclass(frozen=True)
class OutlineBatch:
    chapters: dict[int, dict[str, str]]  # index -> {title, summary, outline}
    salvaged: bool  # read from a reply cut off before its end


def _objects_of(array_text: str) -> list[dict[str, Any]]:
    """Every complete top-level `{...}` inside `array_text` (which starts after a `[`)."""
    out, depth, start, in_string, escaped = [], 0, -1, False, False
    for position, char in enumerate(array_text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char == "{":
            if depth == 0:
                start = position
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
            if depth == 0 and start >= 0:
                try:
                    value = orjson.loads(array_text[start : position + 1])
                except orjson.JSONDecodeError:
                    value = None
                if isinstance(value, dict):
                    out.append(value)
        elif char == "]" and depth == 0:
            break
    return out


def _load(text: str) -> tuple[Any, bool]:
    stripped = text.strip()
    fenced = _FENCE.search(stripped)
    candidates = [fenced.group(1).strip()] if fenced else []
    candidates.append(stripped)
    for candidate in candidates:
        try:
            return orjson.loads(candidate), False
        except orjson.JSONDecodeError:
            pass
        first, last = candidate.find("{"), candidate.rfind("}")
        if 0 <= first < last:
            try:
                return orjson.loads(candidate[first : last + 1]), False
            except orjson.JSONDecodeError:
                pass
    for candidate in candidates:
        found = re.search(r'"chapters"\s*:\s*\[', candidate)
        if found:
            return {"chapters": _objects_of(candidate[found.end() :])}, True
    return None, False


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v).strip() for v in value if str(v).strip())
    return str(value).strip() if isinstance(value, str | int | float) else ""


def parse_outline(text: str, first: int, last: int) -> OutlineBatch:
    data, salvaged = _load(text)
    raw = data.get("chapters") if isinstance(data, dict) else data if isinstance(data, list) else None
    chapters: dict[int, dict[str, str]] = {}
    for position, entry in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(entry, dict):
            continue
        index = entry.get("index")
        if isinstance(index, str) and index.strip().isdigit():
            index = int(index.strip())
        if not isinstance(index, int) or isinstance(index, bool):
            index = first + position
        if first <= index <= last:
            chapters[index] = {
                "title": _text(entry.get("title"))[:200],
                "summary": _text(entry.get("summary"))[:2000],
                "outline": _text(entry.get("outline") or entry.get("beats"))[:4000],
            }
    return OutlineBatch(chapters, salvaged)


def accepted(batch: OutlineBatch, first: int, last: int) -> bool:
    """The reference's rule: at least 70% of the range's chapters have a non-blank title and summary."""
    wanted = last - first + 1
    good = sum(1 for c in batch.chapters.values() if c["title"] and c["summary"])
    return wanted > 0 and good >= ACCEPT_SHARE * wanted


def max_tokens_for(batch_size: int) -> int:
    """The reference's output caps by batch size (§11.1.2)."""
    for limit, tokens in ((6, 1200), (10, 1600), (14, 2200), (20, 3200)):
        if batch_size <= limit:
            return tokens
    return 4096
