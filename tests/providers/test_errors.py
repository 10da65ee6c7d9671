"""Provider errors reach API clients through the one AppError handler: our message, the kind in details."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from sceneintruder.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
)
from sceneintruder.web.handlers import register_exception_handlers
from sceneintruder.web.spa import SpaHost


def _app(error: ProviderError, tmp: Path) -> FastAPI:
    app = FastAPI()
    register_exception_handlers(app, SpaHost(tmp))

    @app.get("/boom")
    async def boom() -> None:
        raise error

    return app


async def _get(error: ProviderError, tmp: Path = Path("/nonexistent")) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(error, tmp))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/boom")


async def test_each_kind_has_its_status_code_and_details() -> None:
    cases = [
        (ProviderAuthError(provider="openai", model="gpt-4.1"), 502, "LLM_AUTH_FAILED", "auth"),
        (ProviderRateLimited(provider="openai", retry_after=12.4), 503, "LLM_RATE_LIMITED", "rate_limit"),
        (ProviderUnavailable(provider="anthropic"), 503, "LLM_SERVICE_UNAVAILABLE", "unavailable"),
        (ProviderTimeout(provider="google"), 503, "LLM_TIMEOUT", "timeout"),
        (ProviderBadResponse(provider="ollama"), 502, "LLM_BAD_RESPONSE", "unavailable"),
        (ProviderRejected(provider="openai", kind="context_window"), 502, "LLM_REQUEST_REJECTED", "context_window"),
    ]
    for error, status, code, kind in cases:
        response = await _get(error)
        body = response.json()
        assert response.status_code == status and body["error"]["code"] == code
        assert body["error"]["details"]["kind"] == kind and body["error"]["details"]["provider"] == error.provider
    limited = await _get(ProviderRateLimited(provider="openai", retry_after=12.4))
    assert limited.headers["retry-after"] == "12"


async def test_only_a_safe_vendor_code_is_passed_on() -> None:
    noisy = ProviderRejected(provider="openai", vendor_code="Incorrect API key provided: sk-abc123 (see docs)")
    assert "vendor_code" not in (await _get(noisy)).json()["error"]["details"]
    clean = ProviderRejected(provider="openai", vendor_code="context_length_exceeded")
    assert (await _get(clean)).json()["error"]["details"]["vendor_code"] == "context_length_exceeded"
