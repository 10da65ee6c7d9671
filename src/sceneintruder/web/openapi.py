"""The OpenAPI document says what the server does: every error is the error envelope (validation errors are
400, not FastAPI's default 422), and every operation declares its success body (`Envelope[...]`, set on each
route with `response_model`; the routes return ready responses, so the model only documents them)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from sceneintruder.web.envelope import ErrorEnvelope

_ERROR_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}
_ERRORS = {
    "400": "Invalid input (validation errors list each field in `error.details`)",
    "4XX": "Not found, unauthorized, forbidden, conflict, too large, rate limited",
    "5XX": "Server or model provider failure",
}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


_SSE_EVENT = {
    "type": "object",
    "description": "One Server-Sent Event; `data` is JSON text",
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"}},
    "required": ["data"],
}


def _describe_streams(content: dict[str, Any]) -> None:
    """A streamed response is Server-Sent Events (each described as one event); the JSON entry FastAPI adds by
    default beside it describes nothing."""
    if "text/event-stream" in content:
        content["text/event-stream"] = {"schema": _SSE_EVENT}
        if not content.get("application/json", {}).get("schema"):
            content.pop("application/json", None)


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version, routes=app.routes)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas["ErrorEnvelope"] = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
        for definition in schemas["ErrorEnvelope"].pop("$defs", {}).items():
            schemas.setdefault(*definition)
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                for response in responses.values():
                    _describe_streams(response.get("content", {}))
                for status, description in _ERRORS.items():
                    responses.setdefault(status, _error_response(description))
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = build  # type: ignore[method-assign]
