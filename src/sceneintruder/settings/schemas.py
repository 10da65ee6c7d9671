"""Wire shapes of `/api/settings` and `/api/llm/*` (spec §5). Values inside the config maps are JSON scalars
the service stringifies (as the reference does); unknown top-level keys are ignored."""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

from pydantic import Field, StrictStr, StringConstraints
from typing_extensions import TypedDict

from sceneintruder.core.schemas import JsonBlob, WireModel

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
ModelKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
ConfigMap = Annotated[JsonBlob, Field(max_length=64)]


class VisionModel(WireModel):
    key: ModelKey
    label: Annotated[str, StringConstraints(max_length=200)] = ""
    provider: Name = ""
    supports_reference_image: bool = False


class VideoModel(WireModel):
    key: ModelKey
    label: Annotated[str, StringConstraints(max_length=200)] = ""
    provider: Name = ""
    supports_image_conditioned: bool = False


class SettingsSave(WireModel):
    """`POST /api/settings`. A section is saved when its provider is given; model catalogs when present."""

    llm_provider: Name = ""
    llm_config: ConfigMap | None = None
    debug_mode: bool | None = None  # accepted and ignored, as the reference does
    vision_provider: Name = ""
    vision_default_model: Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)] = ""
    vision_config: ConfigMap | None = None
    vision_model_providers: Annotated[dict[str, Name], Field(max_length=200)] | None = None
    vision_models: Annotated[list[VisionModel], Field(max_length=200)] | None = None
    video_provider: Name = ""
    video_default_model: Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)] = ""
    video_config: ConfigMap | None = None
    video_model_providers: Annotated[dict[str, Name], Field(max_length=200)] | None = None
    video_models: Annotated[list[VideoModel], Field(max_length=200)] | None = None


class LLMConfigUpdate(WireModel):
    """`PUT /api/llm/config`: string values only (a number is a 400, as in the reference)."""

    provider: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    config: Annotated[dict[str, StrictStr], Field(max_length=64)]


class ConnectionTest(WireModel):
    """`POST /api/settings/test-connection`: both fields for a throw-away config, neither for the saved one."""

    provider: Name = ""
    llm_config: ConfigMap | None = None


# --- responses (built as dicts by the service; these describe them) ------------------------------------------------


class SettingsRead(TypedDict):
    """`GET /api/settings`: the reference's shape; secrets appear only as `has_<field>` flags."""

    llm_provider: str
    debug_mode: bool
    port: int
    llm_config: dict[str, Any]
    vision_provider: str
    vision_default_model: str
    vision_config: dict[str, Any]
    vision_model_providers: dict[str, str]
    vision_models: list[VisionModel]
    video_provider: str
    video_default_model: str
    video_config: dict[str, Any]
    video_model_providers: dict[str, str]
    video_models: list[VideoModel]
    llm_active_provider: str
    llm_source: str


class ConnectionTestRead(TypedDict):
    provider: str
    status: str
    test: str
    mode: str  # saved_config | temporary_config
    model: str
    latency_ms: float


class LLMStatusRead(TypedDict):
    ready: bool
    status: str
    provider: str
    config: dict[str, Any]
    source: str
    fallbacks: list[str]
    offline: bool
    json_mode: str  # how structured calls ask for JSON: json_schema, json_object_schema, json_object, schema, ...
    context_window: int  # tokens; calls to the model are sized to fit it
    configured: NotRequired[bool]


class ModelList(TypedDict):
    provider: str
    models: list[str]
    count: int
