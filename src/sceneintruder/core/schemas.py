"""Base classes for wire schemas.

Responses carry text exactly as stored (a novel's whitespace matters); request bodies and model output are
cleaned of surrounding whitespace on the way in.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class WireModel(BaseModel):
    """A response (or internal) schema: unknown keys ignored, fields populated by name or alias."""

    model_config = ConfigDict(populate_by_name=True)


class RequestModel(WireModel):
    """A request body: strings stripped of surrounding whitespace."""

    model_config = ConfigDict(str_strip_whitespace=True, populate_by_name=True)


class OmitNoneModel(WireModel):
    """A response schema whose unset (None) fields are left out, as the reference's `omitempty` does.

    `core.jsoncodec.dumps` encodes it with `exclude_none=True`, which applies to everything nested in it.
    """


# --- numbers and free-form JSON from clients -----------------------------------------------------------------------

MAX_SAFE_INTEGER = 2**53 - 1  # the largest integer a browser's JSON.parse keeps exactly; fits a BIGINT column
INT32_MAX = 2**31 - 1  # an INTEGER column's limit on PostgreSQL (SQLite's integers are 64-bit: it never says)
MAX_JSON_BLOB_BYTES = 16 * 1024
MAX_JSON_BLOB_DEPTH = 16

SafeInt = Annotated[int, Field(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER)]
"""An integer a client may send anywhere: out of ±(2^53 − 1) is a 400 naming the field, never a 500."""

Int32 = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]
"""An integer stored in an INTEGER column: out of range is a 400, not a PostgreSQL error (a 500)."""


def _check_json(value: Any, path: str, depth: int) -> None:
    if depth > MAX_JSON_BLOB_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_BLOB_DEPTH} levels at {path or 'the top'}")
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(f"{path or 'value'}: integer out of range (at most ±{MAX_SAFE_INTEGER})")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path or 'value'}: numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]", depth + 1)


def _check_blob(value: dict[str, Any]) -> dict[str, Any]:
    _check_json(value, "", 0)
    size = len(orjson.dumps(value))
    if size > MAX_JSON_BLOB_BYTES:
        raise ValueError(f"at most {MAX_JSON_BLOB_BYTES} bytes of JSON ({size} sent)")
    return value


JsonBlob = Annotated[dict[str, Any], AfterValidator(_check_blob)]
"""A free-form JSON object from a client (item properties, emotion data, ...): integers within ±(2^53 − 1),
finite numbers, at most 16 levels deep and 16 KiB encoded; anything else is a 400 that names the field."""
