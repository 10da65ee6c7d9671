"""Reading structured answers leniently: strip code fences and prose, repair near-JSON, validate with pydantic.

Models wrap JSON in ```json fences, add a sentence before it, or leave a trailing comma; `json-repair` fixes
the last kind. What still does not validate is reported in a short form the model can act on when re-asked.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, TypeVar

import json_repair
import orjson
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()
_KEPT_KEYS = frozenset(
    {"type", "properties", "required", "items", "enum", "anyOf", "const"}
    | {"minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum"}
)


class StructuredOutputError(ValueError):
    """The text holds no JSON, or JSON that does not match the schema; `str()` is a short, model-readable why."""


def extract_json(text: str) -> Any:
    """The JSON value a reply carries. In order: a fenced block, the whole text, the first complete object (a
    reply that repeats its JSON, or adds prose after it), then `json_repair` from the first brace to the end of
    the text (a reply cut off before its closing brace). An empty object or list is no answer."""
    stripped = text.strip()
    candidates = [m.group(1).strip() for m in _FENCE.finditer(stripped)]
    candidates.append(stripped)
    for candidate in candidates:
        try:
            return _answer(orjson.loads(candidate))
        except orjson.JSONDecodeError:
            continue
    starts = [i for i in (stripped.find("{"), stripped.find("[")) if i >= 0]
    if not starts:
        raise StructuredOutputError("the reply contained no JSON object")
    start = min(starts)
    try:
        return _answer(_DECODER.raw_decode(stripped, start)[0])
    except json.JSONDecodeError:
        pass
    repaired = json_repair.loads(stripped[start:])
    if isinstance(repaired, dict | list):
        return _answer(repaired)
    raise StructuredOutputError("the reply contained no JSON object")


def _answer(data: Any) -> Any:
    if isinstance(data, dict | list) and not data:
        raise StructuredOutputError("the reply was an empty JSON value")
    return data


def parse_structured(text: str, schema: type[M]) -> M:
    data = extract_json(text)
    expected = set(json_schema_of(schema).get("properties") or {})
    if isinstance(data, dict) and expected and not expected & set(data):  # lenient schemas accept anything
        raise StructuredOutputError(f"none of the expected keys ({', '.join(sorted(expected)[:8])}) were there")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in error['loc']) or '(root)'}: {error['msg']}" for error in exc.errors()[:8]
        ]
        raise StructuredOutputError("; ".join(problems)) from exc


@functools.cache
def json_schema_of(schema: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema, compact: references inlined, no titles, descriptions or defaults; what a server
    needs to enforce it and what a small model needs to read it, in a fraction of the tokens. Built once per class
    (pydantic rebuilds its schema on every call: ~3 ms for a big one)."""
    full = schema.model_json_schema()
    return _compact(full, full.get("$defs", {}))


def _compact(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_compact(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _compact(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    compact = {}
    for key, value in node.items():
        if key == "properties":
            compact[key] = {name: _compact(prop, defs) for name, prop in value.items()}
        elif key in _KEPT_KEYS:
            compact[key] = _compact(value, defs)
    return compact


@functools.cache
def schema_instruction(schema: type[BaseModel]) -> str:
    schema_json = orjson.dumps(json_schema_of(schema)).decode("utf-8")
    return (
        "Reply with one JSON object that matches this JSON Schema, and nothing else: no prose, no code fences.\n"
        f"JSON Schema: {schema_json}"
    )
