"""Base classes for wire schemas.

Responses carry text exactly as stored (a novel's whitespace matters); request bodies and model output are
cleaned of surrounding whitespace on the way in.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


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
