"""HTTP for every vendor adapter: the shared client, transport-error translation, and retries, in one place.

- `build_http_client()` makes the one `httpx.AsyncClient` the lifespan owns (connect 10 s, read configurable,
  default 120 s; redirects are not followed, so a vetted base URL cannot bounce us elsewhere).
- `translate_transport_errors()` turns httpx exceptions into `ProviderTimeout`/`ProviderUnavailable` (the most
  specific class, chained with `raise ... from`), as httpx's own `map_httpcore_exceptions()` does one layer down.
- `RetryPolicy.run()` retries an attempt on 429, 5xx and timeouts with exponential backoff and full jitter,
  honouring `Retry-After` (capped). Adapters never loop themselves. Sleep and randomness are injectable, so
  tests retry without waiting.
- `post_json()` and `open_stream()` are the two shapes of request the adapters make.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import anyio._backends._asyncio  # noqa: F401 - httpx's transport imports it on first use; a ~100 ms stall then
import httpx
import orjson
from httpx._utils import get_environment_proxies  # httpx's own reading of the proxy variables

from sceneintruder.providers import attempts
from sceneintruder.providers.errors import (
    ProviderBadResponse,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from sceneintruder.providers.transport import DirectResponse, DirectStream, VendorClient, VendorTransport

T = TypeVar("T")


def build_http_client(*, connect_timeout: float = 10.0, read_timeout: float = 120.0) -> httpx.AsyncClient:
    """Proxies set in the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY) are mounted here, as httpx
    mounts them for its own transport: given a transport of ours, httpx leaves them out."""
    timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=30.0, pool=connect_timeout)
    transport = VendorTransport(max_connections=200)
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {
        pattern: None if proxy is None else httpx.AsyncHTTPTransport(proxy=proxy)
        for pattern, proxy in get_environment_proxies().items()
    }
    return VendorClient(timeout=timeout, transport=transport, mounts=mounts, follow_redirects=False)


@contextlib.contextmanager
def translate_transport_errors(provider: str, model: str = "") -> Iterator[None]:
    try:
        yield
    except httpx.TimeoutException as exc:  # connect, read, write and pool timeouts
        raise ProviderTimeout(provider=provider, model=model) from exc
    except httpx.TransportError as exc:  # refused, reset, DNS, protocol errors, a stream cut mid-way
        raise ProviderUnavailable(provider=provider, model=model) from exc


class ErrorMapper(Protocol):
    def __call__(self, status: int, body: bytes, headers: httpx.Headers) -> ProviderError: ...


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` as seconds (delta or HTTP date), or OpenAI's `retry-after-ms`; None if absent or unreadable."""
    millis = headers.get("retry-after-ms")
    if millis:
        with contextlib.suppress(ValueError):
            return max(0.0, float(millis) / 1000)
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0  # a longer Retry-After is not waited for: the error goes to the caller
    max_timeout_retries: int | None = None  # timeouts retried at most this often (None: as other errors)
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    random: Callable[[], float] = field(default=random.random, repr=False)

    def delay_for(self, error: ProviderError, retry_number: int) -> float | None:
        """Seconds to wait before retry `retry_number` (1-based), or None when the error is not to be retried."""
        if not error.retryable or retry_number > self.max_retries:
            return None
        timeouts_capped = isinstance(error, ProviderTimeout) and self.max_timeout_retries is not None
        if timeouts_capped and retry_number > (self.max_timeout_retries or 0):
            return None
        if isinstance(error, ProviderRateLimited) and error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_retry_after else None
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry_number - 1))
        return ceiling * self.random()  # full jitter

    async def run(self, attempt: Callable[[], Awaitable[T]]) -> T:
        retry_number = 0
        while True:
            started = time.perf_counter()
            try:
                return await attempt()
            except ProviderError as error:
                retry_number += 1
                delay = self.delay_for(error, retry_number)
                if delay is None:
                    raise
                attempts.note(error, started)  # a request the server saw, retried: a ledger row of its own
                await self.sleep(delay)


async def post_json(
    http: httpx.AsyncClient,
    url: str,
    *,
    payload: Mapping[str, Any],
    headers: Mapping[str, str],
    error_for: ErrorMapper,
    provider: str,
    model: str,
    retry: RetryPolicy,
    read_timeout: float | None = None,
    params: Mapping[str, str] | None = None,
) -> Any:
    """POST a JSON body and return the decoded JSON answer, retrying per `retry`. With the vendors' own client,
    straight on its aiohttp session (`VendorClient.direct_for`)."""
    body = orjson.dumps(payload)
    request_headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
    target = str(httpx.URL(url, params=params)) if params else url
    direct = http.direct_for(target) if isinstance(http, VendorClient) else None
    timeout = _timeout(http, read_timeout)

    async def attempt() -> Any:
        response: httpx.Response | DirectResponse
        with translate_transport_errors(provider, model):
            if direct is not None:
                response = await direct.post(target, content=body, headers=request_headers, limits=timeout)
            else:
                response = await http.post(target, content=body, headers=request_headers, timeout=timeout)
        if response.status_code >= 400:
            raise error_for(response.status_code, response.content, response.headers)
        return decode_json(response.content, provider=provider, model=model)

    return await retry.run(attempt)


async def get_json(
    http: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str],
    error_for: ErrorMapper,
    provider: str,
    retry: RetryPolicy,
    params: Mapping[str, str] | None = None,
) -> Any:
    async def attempt() -> Any:
        with translate_transport_errors(provider):
            response = await http.get(url, headers={"Accept": "application/json", **headers}, params=params)
        if response.status_code >= 400:
            raise error_for(response.status_code, response.content, response.headers)
        return decode_json(response.content, provider=provider, model="")

    return await retry.run(attempt)


@contextlib.asynccontextmanager
async def open_stream(
    http: httpx.AsyncClient,
    url: str,
    *,
    payload: Mapping[str, Any],
    headers: Mapping[str, str],
    error_for: ErrorMapper,
    provider: str,
    model: str,
    retry: RetryPolicy,
    read_timeout: float | None = None,
    params: Mapping[str, str] | None = None,
) -> AsyncIterator[AsyncIterator[str]]:
    """Open a streamed POST; yields its lines. Opening (up to the status line) is retried; a stream that breaks
    after it started is not (the caller has already seen part of it): it raises ProviderUnavailable/Timeout.
    With the vendors' own client, straight on its aiohttp session (`VendorTransport.stream`)."""
    body = orjson.dumps(payload)
    request_headers = {"Content-Type": "application/json", **headers}
    target = str(httpx.URL(url, params=params)) if params else url
    direct = http.direct_for(target) if isinstance(http, VendorClient) else None
    timeout = _timeout(http, read_timeout)

    async def attempt() -> tuple[contextlib.AsyncExitStack, httpx.Response | DirectStream]:
        opened = contextlib.AsyncExitStack()
        response: httpx.Response | DirectStream
        with translate_transport_errors(provider, model):
            if direct is not None:
                response = await opened.enter_async_context(
                    direct.stream(target, content=body, headers=request_headers, limits=timeout)
                )
            else:
                request = http.build_request("POST", target, content=body, headers=request_headers, timeout=timeout)
                response = await http.send(request, stream=True)
                opened.push_async_callback(response.aclose)
        if response.status_code >= 400:
            try:
                with translate_transport_errors(provider, model):
                    content = await response.aread() if isinstance(response, httpx.Response) else await response.read()
            finally:
                await opened.aclose()
            raise error_for(response.status_code, content, response.headers)
        return opened, response

    opened, response = await retry.run(attempt)
    async with opened:
        yield _lines(response, provider, model)


async def _lines(response: httpx.Response | DirectStream, provider: str, model: str) -> AsyncIterator[str]:
    lines = response.aiter_lines() if isinstance(response, httpx.Response) else response.lines()
    with translate_transport_errors(provider, model):
        async for line in lines:
            yield line


def decode_json(content: bytes, *, provider: str, model: str) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise ProviderBadResponse(provider=provider, model=model) from exc


def load_json_body(content: bytes) -> Any:
    """An error body as JSON if it is JSON, else None (error mappers read codes from it, never echo it)."""
    try:
        return orjson.loads(content) if content else None
    except orjson.JSONDecodeError:
        return None


def _timeout(http: httpx.AsyncClient, read: float | None) -> httpx.Timeout:
    """The client's timeouts, with `read` instead of its read timeout when given."""
    base = http.timeout
    if read is None:
        return base
    return httpx.Timeout(connect=base.connect, read=read, write=base.write, pool=base.pool)
