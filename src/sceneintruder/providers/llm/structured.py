"""Reading structured answers leniently: strip code fences and prose, repair near-JSON, validate with pydantic.

Models wrap JSON in ```json fences, add a sentence before it, or leave a trailing comma; `json-repair` fixes
the last kind. What still does not validate is reported in a short form the model can act on when re-asked.
"""

from __future__ import annotations

import functools
import re
from typing import Any, TypeVar

import json_repair
import orjson
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


class StructuredOutputError(ValueError):
    """The text holds no JSON, or JSON that does not match the schema; `str()` is a short, model-readable why."""


def extract_json(text: str) -> Any:
    stripped = text.strip()
    candidates = [m.group(1).strip() for m in _FENCE.finditer(stripped)]
    candidates.append(stripped)
    starts = [i for i in (stripped.find("{"), stripped.find("[")) if i >= 0]
    end = max(stripped.rfind("}"), stripped.rfind("]"))
    sliced = stripped[min(starts) : end + 1] if starts and end > min(starts) else ""
    if sliced:
        candidates.append(sliced)
    for candidate in candidates:
        try:
            return orjson.loads(candidate)
        except orjson.JSONDecodeError:
            continue
    if sliced:
        repaired = json_repair.loads(sliced)
        if isinstance(repaired, dict | list) and repaired:
            return repaired
    raise StructuredOutputError("the reply contained no JSON object")


def parse_structured(text: str, schema: type[M]) -> M:
    data = extract_json(text)
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in error['loc']) or '(root)'}: {error['msg']}" for error in exc.errors()[:8]
        ]
        raise StructuredOutputError("; ".join(problems)) from exc


@functools.cache
def json_schema_of(schema: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema, built once per class (pydantic rebuilds it on every call: ~3 ms for a big one)."""
    return schema.model_json_schema()


@functools.cache
def schema_instruction(schema: type[BaseModel]) -> str:
    schema_json = orjson.dumps(json_schema_of(schema)).decode("utf-8")
    return (
        "Reply with one JSON object that matches this JSON Schema, and nothing else: no prose, no code fences.\n"
        f"JSON Schema: {schema_json}"
    )
