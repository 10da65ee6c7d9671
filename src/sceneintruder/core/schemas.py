"""Base classes for wire schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """Request/response schema: unknown keys ignored, strings stripped."""

    model_config = ConfigDict(str_strip_whitespace=True, populate_by_name=True)


class OmitNoneModel(WireModel):
    """A response schema whose unset (None) fields are left out, as the reference's `omitempty` does.

    `core.envelope.to_jsonable` dumps it with `exclude_none=True`, which applies to everything nested in it.
    """
