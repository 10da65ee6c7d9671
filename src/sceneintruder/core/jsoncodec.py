"""JSON encoding for responses, events and cached payloads: orjson, with pydantic models encoded by pydantic.
Framework-free, so services can serialise what they cache."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import BaseModel

from sceneintruder.core.schemas import OmitNoneModel


def _encode_other(value: Any) -> Any:
    """What orjson cannot encode itself: pydantic models (by pydantic; an OmitNoneModel without its None fields),
    other mappings; anything else as `str()`."""
    if isinstance(value, BaseModel):
        return orjson.Fragment(value.model_dump_json(by_alias=True, exclude_none=isinstance(value, OmitNoneModel)))
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


def dumps(payload: Any) -> bytes:
    """JSON bytes of `payload`: dicts, lists and scalars walked by orjson itself (in C), models met on the way
    serialised by pydantic. A large plain payload (a story of a thousand nodes) costs no Python walk at all."""
    return orjson.dumps(payload, default=_encode_other)
