"""Every wire family against its fake: 401, 429 with Retry-After, 500, a hang past the read timeout, malformed
bodies, refused context, and streams that break off. Retries are observed through the injected sleep."""

from __future__ import annotations

import pytest

from sceneintruder.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderRateLimited,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
)
from sceneintruder.providers.http import RetryPolicy
from tests.providers.llm.conftest import FAMILIES, collect, request

NAMES = list(FAMILIES)


@pytest.mark.parametrize("name", NAMES)
async def test_401_is_an_auth_error_and_is_not_retried(vendor, sleeps, name) -> None:
    async with vendor(name) as (fake, provider):
        fake.plan("401")
        with pytest.raises(ProviderAuthError) as caught:
            await provider.complete(request(FAMILIES[name][2]))
    assert len(fake.requests) == 1 and sleeps == []
    assert caught.value.kind == "auth" and caught.value.status_code == 502
    assert caught.value.details["provider"] == name


@pytest.mark.parametrize("name", NAMES)
async def test_429_is_retried_after_the_vendors_retry_after(vendor, sleeps, name) -> None:
    async with vendor(name) as (fake, provider):
        fake.plan("429")
        completion = await provider.complete(request(FAMILIES[name][2]))
    assert completion.text == fake.default_reply
    assert len(fake.requests) == 2 and sleeps == [7.0]


@pytest.mark.parametrize("name", NAMES)
async def test_429_that_persists_reaches_the_caller_with_retry_after(vendor, sleeps, name) -> None:
    async with vendor(name) as (fake, provider):
        fake.plan("429", "429", "429")
        with pytest.raises(ProviderRateLimited) as caught:
            await provider.complete(request(FAMILIES[name][2]))
    assert len(fake.requests) == 3 and sleeps == [7.0, 7.0]
    assert caught.value.retry_after == 7.0 and caught.value.headers == {"Retry-After": "7"}


@pytest.mark.parametrize("name", NAMES)
async def test_500_is_retried_with_exponential_backoff_then_succeeds(vendor, sleeps, name) -> None:
    async with vendor(name) as (fake, provider):
        fake.plan("500", "500")
        completion = await provider.complete(request(FAMILIES[name][2]))
    assert completion.provider == name and len(fake.requests) == 3
    assert sleeps == [0.25, 0.5]  # base 0.5 s doubled, times the injected jitter 0.5


@pytest.mark.parametrize("name", NAMES)
async def test_500_that_persists_is_unavailable(vendor, name) -> None:
    async with vendor(name) as (fake, provider):
        fake.plan("500", "500", "500")
        with pytest.raises(ProviderUnavailable) as caught:
            await provider.complete(request(FAMILIES[name][2]))
    assert caught.value.kind == "unavailable" and caught.value.retryable


@pytest.mark.parametrize("name", NAMES)
async def test_a_hang_past_the_read_timeout_is_a_timeout_and_is_retried(vendor, sleeps, name) -> None:
    recorded: list[float] = []

    async def no_wait(seconds: float) -> None:
        recorded.append(seconds)

    policy = RetryPolicy(max_retries=1, sleep=no_wait, random=lambda: 0.5)
    async with vendor(name, policy=policy) as (fake, provider):
        fake.plan("hang", "hang")
        with pytest.raises(ProviderTimeout):
            await provider.complete(request(FAMILIES[name][2], read_timeout=0.2))
    assert len(fake.requests) == 2 and recorded == [0.25]


@pytest.mark.parametrize("name", NAMES)
async def test_malformed_json_is_a_bad_response_and_is_not_retried(vendor, sleeps, name) -> None:
    async with vendor(name) as (fake, provider):
        fake.plan("malformed")
        with pytest.raises(ProviderBadResponse):
            await provider.complete(request(FAMILIES[name][2]))
    assert len(fake.requests) == 1 and sleeps == []


@pytest.mark.parametrize("name", ["openai", "anthropic", "google"])
async def test_context_window_refusal_is_its_own_kind(vendor, name) -> None:
    async with vendor(name) as (fake, provider):
        fake.plan("context")
        with pytest.raises(ProviderRejected) as caught:
            await provider.complete(request(FAMILIES[name][2]))
    assert caught.value.kind == "context_window" and not caught.value.retryable


@pytest.mark.parametrize("name", NAMES)
async def test_a_stream_cut_mid_way_raises_unavailable_after_the_first_deltas(vendor, name) -> None:
    async with vendor(name) as (fake, provider):
        fake.plan("cut")
        seen = []
        with pytest.raises(ProviderUnavailable):
            async for chunk in provider.stream(request(FAMILIES[name][2])):
                seen.append(chunk)
    assert seen and not any(chunk.done for chunk in seen)


@pytest.mark.parametrize("name", NAMES)
async def test_a_stream_without_its_terminal_event_is_unavailable(vendor, name) -> None:
    async with vendor(name) as (fake, provider):
        fake.plan("truncated")
        with pytest.raises(ProviderUnavailable):
            await collect(provider, request(FAMILIES[name][2]))


@pytest.mark.parametrize("name", NAMES)
async def test_a_stream_that_opens_with_429_is_retried_before_any_delta(vendor, sleeps, name) -> None:
    async with vendor(name) as (fake, provider):
        fake.plan("429")
        chunks = await collect(provider, request(FAMILIES[name][2]))
    assert "".join(c.delta for c in chunks) == fake.default_reply and sleeps == [7.0]


@pytest.mark.parametrize("name", ["openai", "anthropic", "google"])
async def test_a_malformed_stream_event_is_a_bad_response(vendor, name) -> None:
    async with vendor(name) as (fake, provider):
        fake.plan("malformed")
        with pytest.raises(ProviderBadResponse):
            await collect(provider, request(FAMILIES[name][2]))
