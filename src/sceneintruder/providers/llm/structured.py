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
from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


def content_fields(*names: str) -> ConfigDict:
    """`model_config` of an answer schema whose fields `names` carry its content: the schema sent to the server
    requires them, non-empty (`minLength`/`minItems` 1), so a server that enforces it by grammar cannot answer
    without them; and a model's reply is usable only when they are filled (`parse_structured(content=True)`).
    Pydantic itself still accepts them empty: the offline skills answer in the same shape and may have none."""

    def mark(schema: dict[str, Any]) -> None:
        properties = schema.get("properties") or {}
        required = list(schema.get("required") or [])
        for name in names:
            prop = properties.get(name)
            if prop is None:
                continue
            required += [] if name in required else [name]
            if prop.get("type") == "array":
                prop["minItems"] = 1
            elif prop.get("type") == "string":
                prop["minLength"] = 1
        schema["required"] = required

    return ConfigDict(json_schema_extra=mark)


def bounded_list(at_most: int, **field: Any) -> Any:
    """A list field whose schema, as sent to the server, allows at most `at_most` items: a server enforcing it by
    grammar then closes the list (a small model otherwise repeats an entry until `max_tokens` cuts it off).
    Validation still takes a longer list from a model that ignored the schema."""
    return Field(default_factory=list, json_schema_extra={"maxItems": at_most}, **field)


MAX_TEXT_BOUND = 800
"""llama.cpp turns `maxLength` into a repetition of its grammar and refuses one above ~1,000 (llama-cpp-python's
server died on `maxLength: 1200`, seen with 0.3.36): a bound stays well below."""


def bounded_text(at_most: int, **field: Any) -> Any:
    """A text field whose schema, as sent to the server, allows at most `at_most` characters (as bounded_list)."""
    if not 0 < at_most <= MAX_TEXT_BOUND:
        raise ValueError(f"a text bound must be 1..{MAX_TEXT_BOUND} (llama.cpp's grammar repetition limit)")
    return Field(field.pop("default", ""), json_schema_extra={"maxLength": at_most}, **field)


def missing_content(value: Any, schema: dict[str, Any], path: str = "") -> str | None:
    """The first required content `value` (a model's dump) lacks under the compact `schema`, as `a.b: empty`;
    None when it has it all. An array needs `minItems` elements that are complete themselves."""
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        for name in schema.get("required") or ():
            where = f"{path}{name}"
            if name not in value:
                continue  # a key pydantic names otherwise; nothing to check against
            problem = missing_content(value[name], properties.get(name) or {}, f"{where}.")
            if problem:
                return problem
        return None
    if isinstance(value, str):
        return f"{path.rstrip('.')}: empty" if len(value.strip()) < schema.get("minLength", 0) else None
    if isinstance(value, list):
        items = schema.get("items") or {}
        complete = [item for item in value if missing_content(item, items, path) is None]
        return f"{path.rstrip('.')}: empty" if len(complete) < schema.get("minItems", 0) else None
    return None


def parse_structured(text: str, schema: type[M], *, content: bool = False) -> M:
    """`text`'s JSON as a `schema` instance. With `content` (a model's reply), its required content fields must
    be filled too (`content_fields`): a reply that validates but says nothing is not an answer."""
    data = extract_json(text)
    expected = set(json_schema_of(schema).get("properties") or {})
    if isinstance(data, dict) and expected and not expected & set(data):  # lenient schemas accept anything
        raise StructuredOutputError(f"none of the expected keys ({', '.join(sorted(expected)[:8])}) were there")
    try:
        value = schema.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in error['loc']) or '(root)'}: {error['msg']}" for error in exc.errors()[:8]
        ]
        raise StructuredOutputError("; ".join(problems)) from exc
    if content:
        problem = missing_content(value.model_dump(), json_schema_of(schema))
        if problem:
            raise StructuredOutputError(f"{problem} (it must be filled in)")
    return value


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
