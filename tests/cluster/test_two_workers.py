"""Two `sceneintruder serve` processes on one PostgreSQL and one Redis: what a client of one sees of the other.

Each test talks to both workers over real HTTP and WebSocket connections; a fake OpenAI server on 127.0.0.1,
saved as the provider through worker A, makes analysis jobs hang for as long as a test needs them running.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.fakes._base import API_KEY
from tests.fakes.openai_compatible import FakeOpenAI
from tests.story.support import current_node, excerpt, node_by_id
from tests.support import postgres
from tests.support.builders import assert_error, bearer
from tests.support.sse import sse_events
from tests.support.workers import Worker, cluster, run_cli
from tests.support.ws import receive, receive_type, ws_connect

LEASE_SECONDS = 2
ROOT_PASSWORD = "root-password-for-the-cluster"


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    postgres.require()
    with postgres.cluster() as base:
        yield f"{base}/postgres"


@pytest.fixture(scope="module")
def workers(tmp_path_factory, database_url: str, redis_url: str) -> Iterator[dict[str, Worker]]:
    directory: Path = tmp_path_factory.mktemp("cluster")
    with cluster(
        ["a", "b"],
        directory,
        database_url=database_url,
        redis_url=redis_url,
        namespace=f"si-{uuid.uuid4().hex[:8]}",
        JOB_LEASE_SECONDS=str(LEASE_SECONDS),
        WS_STATUS_REFRESH_SECONDS="0.2",
        LOCK_WAIT_SECONDS="20",
        ALLOW_PRIVATE_PROVIDER_URLS="true",
        LLM_MAX_RETRIES="0",
        RATE_LIMIT_DEFAULT="100000/minute",
        RATE_LIMIT_ANALYSIS="100000/hour",
        RATE_LIMIT_CHAT="100000/minute",
        RATE_LIMIT_LOGIN="4/minute",
    ) as running:
        made = run_cli(running["a"], "user", "create", "root", "--role", "admin", "--password-stdin",
                       stdin=ROOT_PASSWORD + "\n")  # fmt: skip
        assert made.returncode == 0, made.stderr
        yield running


@pytest.fixture
async def clients(workers) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with (
        httpx.AsyncClient(base_url=workers["a"].base, timeout=30) as a,
        httpx.AsyncClient(base_url=workers["b"].base, timeout=30) as b,
    ):
        yield a, b


async def _token(client: httpx.AsyncClient, username: str = "root", password: str = ROOT_PASSWORD) -> str:
    response = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["data"]["token"]


async def _register(workers: dict[str, Worker], client: httpx.AsyncClient, username: str) -> str:
    """A new account (made with the CLI, as an operator would), signed in through `client`."""
    password = f"{username}-password-1"
    made = await asyncio.to_thread(
        run_cli, workers["a"], "user", "create", username, "--password-stdin", stdin=password + "\n"
    )
    assert made.returncode == 0, made.stderr
    return await _token(client, username, password)


async def _holder(database_url: str, job_id: str) -> str | None:
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return await connection.fetchval("SELECT worker_id FROM job WHERE id = $1", job_id)
    finally:
        await connection.close()


async def _progress(response: httpx.Response) -> AsyncIterator[Any]:
    """The `progress` events of an SSE response (not `connected` or `heartbeat`)."""
    async for event in sse_events(response):
        if event.event == "progress":
            yield event


async def _task(client: httpx.AsyncClient, task_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get(f"/api/tasks/{task_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def _until_status(client, task_id, headers, *statuses: str, seconds: float = 30) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        while True:
            if (task := await _task(client, task_id, headers))["status"] in statuses:
                return task
            await asyncio.sleep(0.05)


async def _scene(client: httpx.AsyncClient, headers: dict[str, str], chars: int = 1200) -> str:
    created = await client.post("/api/scenes", json={"title": "Pride", "text": excerpt(chars)}, headers=headers)
    assert created.status_code == 201, created.text
    return created.json()["data"]["id"]


# --- realtime ---------------------------------------------------------------------------------------------------


async def test_a_broadcast_from_b_reaches_a_client_on_a_in_order(workers, clients) -> None:
    a, _ = clients
    watcher_token = await _register(workers, a, f"watcher{uuid.uuid4().hex[:6]}")
    room = f"/ws/scene/{await _scene(a, bearer(watcher_token))}"
    async with (
        ws_connect(workers["a"].ws, f"{room}?token={watcher_token}") as watcher,
        ws_connect(workers["b"].ws, f"{room}?token={watcher_token}") as talker,
    ):
        assert (await receive(watcher))["type"] == "connected"
        assert (await receive(talker))["type"] == "connected"
        for n in range(12):
            await talker.send(json.dumps({"type": "user_status_update", "status": "typing", "action": f"step-{n}"}))
        seen = []
        while len(seen) < 12:
            message = await receive_type(watcher, "user:presence")
            if message.get("action", "").startswith("step-"):
                seen.append(message["action"])
        assert seen == [f"step-{n}" for n in range(12)]


async def test_ws_status_on_either_worker_counts_the_sockets_of_both(workers, clients) -> None:
    a, b = clients
    token = await _token(a)
    root = bearer(token)
    scene = await _scene(b, root)
    async with (
        ws_connect(workers["a"].ws, f"/ws/scene/{scene}?token={token}") as on_a,
        ws_connect(workers["b"].ws, f"/ws/scene/{scene}?token={token}") as on_b,
    ):
        await receive(on_a)
        await receive(on_b)
        for client in (a, b):
            async with asyncio.timeout(10):
                while True:
                    status = (await client.get("/api/ws/status", headers=root)).json()["data"]
                    room = status["scenes"].get(scene)
                    if room and room["client_count"] == 2:
                        break
                    await asyncio.sleep(0.1)
            assert [user["user_id"] for user in room["users"]] == ["root", "root"]
    async with asyncio.timeout(10):  # and they leave the count on both once closed
        while True:
            if scene not in (await b.get("/api/ws/status", headers=root)).json()["data"]["scenes"]:
                break
            await asyncio.sleep(0.1)


async def test_a_logout_on_a_closes_that_token_s_sockets_on_b(workers, clients) -> None:
    a, _ = clients
    name = f"leaver{uuid.uuid4().hex[:6]}"
    token = await _register(workers, a, name)
    async with ws_connect(workers["b"].ws, "/ws/user/status", additional_headers=bearer(token)) as socket:
        await receive(socket)
        assert (await a.post("/api/auth/logout", headers=bearer(token))).status_code == 200
        async with asyncio.timeout(10):
            with pytest.raises(ConnectionClosed):
                while True:
                    await socket.recv()
        assert (socket.close_code, socket.close_reason) == (1008, "token revoked")
    assert_error(await a.get(f"/api/users/{name}", headers=bearer(token)), 401, "UNAUTHORIZED")


async def test_deleting_a_scene_on_a_closes_its_room_on_b(workers, clients) -> None:
    a, _ = clients
    token = await _token(a)
    scene = await _scene(a, bearer(token))
    async with ws_connect(workers["b"].ws, f"/ws/scene/{scene}?token={token}") as member:
        await receive(member)
        assert (await a.delete(f"/api/scenes/{scene}", headers=bearer(token))).status_code == 200
        async with asyncio.timeout(10):
            with pytest.raises(ConnectionClosed):
                while True:
                    await member.recv()
        assert (member.close_code, member.close_reason) == (4404, "scene deleted")


# --- limits and locks -------------------------------------------------------------------------------------------


async def test_the_login_limit_counts_attempts_on_both_workers(workers, clients) -> None:
    a, b = clients
    name = f"guess{uuid.uuid4().hex[:6]}"
    await _register(workers, a, name)
    attempts = [a, b, a, b]
    for client in attempts:  # RATE_LIMIT_LOGIN=4/minute, shared
        assert_error(await client.post("/api/auth/login", json={"username": name, "password": "wrong"}), 401,
                     "INVALID_CREDENTIALS")  # fmt: skip
    for client in (a, b):
        limited = await client.post("/api/auth/login", json={"username": name, "password": f"{name}-password-1"})
        assert_error(limited, 429, "RATE_LIMIT_EXCEEDED")
        assert int(limited.headers["retry-after"]) > 0


async def test_a_story_choice_raced_on_both_workers_is_made_once_and_seen_by_both(workers, clients) -> None:
    a, b = clients
    owner = bearer(await _register(workers, a, f"reader{uuid.uuid4().hex[:6]}"))
    created = await a.post("/api/scenes", json={"title": "Pride", "text": excerpt(3000)}, headers=owner)
    assert created.status_code == 201, created.text
    scene_id = created.json()["data"]["id"]
    story_path = f"/api/scenes/{scene_id}/story"
    async with asyncio.timeout(60):  # the story's initialisation job may run on either worker
        while True:
            if (story := (await b.get(story_path, headers=owner)).json()["data"])["init_status"] == "ready":
                break
            await asyncio.sleep(0.1)
    node = current_node(story)
    assert (await a.get(story_path, headers=owner)).status_code == 200  # both workers have it cached now
    token = owner["Authorization"].removeprefix("Bearer ")
    async with ws_connect(workers["a"].ws, f"/ws/scene/{scene_id}?token={token}") as watcher:
        await receive(watcher)
        bodies = [{"node_id": node["id"], "choice_id": choice["id"]} for choice in node["choices"]] * 4
        responses = await asyncio.gather(
            *(
                (a if i % 2 else b).post(f"{story_path}/choice", json=body, headers=owner)
                for i, body in enumerate(bodies)
            )
        )
        won = [response for response in responses if response.status_code == 200]
        assert len(won) == 1, [response.text for response in responses]
        for response in responses:
            if response.status_code != 200:
                assert_error(response, 409, "CHOICE_ALREADY_MADE")
        next_node = won[0].json()["data"]["next_node"]
        assert (await receive_type(watcher, "story:choice_confirmed"))["data"]["node_id"] == node["id"]
        await receive_type(watcher, "story:updated")
    for client in (a, b):  # neither serves its cached story from before the choice
        after = (await client.get(story_path, headers=owner)).json()["data"]
        assert after["current_node_id"] == next_node["id"]
        assert [c["selected"] for c in node_by_id(after, node["id"])["choices"]].count(True) == 1


# --- jobs -------------------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _hanging_vendor(a: httpx.AsyncClient) -> AsyncIterator[FakeOpenAI]:
    """A fake OpenAI whose completions do not answer, saved as the provider on A (B follows the saved settings)."""
    fake = FakeOpenAI()
    fake.plan(*["hang"] * 1000)
    async with fake.serving(fake.app()) as base:
        root = bearer(await _token(a))
        saved = await a.post(
            "/api/settings",
            headers=root,
            json={"llm_provider": "openai", "llm_config": {"api_key": API_KEY, "base_url": f"{base}/v1"}},
        )
        assert saved.status_code == 200, saved.text
        try:
            yield fake
        finally:
            back = await a.post("/api/settings", headers=root, json={"llm_provider": "builtin", "llm_config": {}})
            assert back.status_code == 200, back.text


async def _analysis_held_by(client, database_url, headers, worker: str | None, *, attempts: int = 12) -> str:
    """Start analysis jobs through `client` until one is running on `worker` (None: any); cancel the others."""
    strays = []
    try:
        for _ in range(attempts):
            started = await client.post("/api/analyze", json={"title": "T", "text": excerpt(1500)}, headers=headers)
            assert started.status_code == 200, started.text
            task_id = started.json()["data"]["task_id"]
            await _until_status(client, task_id, headers, "running")
            holder = await _holder(database_url, task_id)
            if worker is None or (holder or "").startswith(f"{worker}/"):
                return task_id
            strays.append(task_id)
        raise AssertionError(f"no job of {attempts} ran on worker {worker}")
    finally:
        for task_id in strays:
            await client.post(f"/api/cancel/{task_id}", headers=headers)


async def test_a_job_started_on_a_runs_on_b_streams_on_a_and_is_cancelled_from_a(clients, database_url) -> None:
    a, b = clients
    root = bearer(await _token(a))
    async with _hanging_vendor(a) as vendor:
        task_id = await _analysis_held_by(a, database_url, root, "b")
        async with a.stream("GET", f"/api/progress/{task_id}", headers=root) as stream:
            assert stream.status_code == 200
            events = _progress(stream)
            assert (await anext(events)).data["event_type"] in ("queued", "progress")
            cancelled = await a.post(f"/api/cancel/{task_id}", headers=root)
            assert cancelled.status_code == 200, cancelled.text
            async with asyncio.timeout(15):
                async for event in events:
                    if event.data["status"] != "running":
                        break
            assert (event.data["status"], event.data["event_type"]) == ("failed", "cancelled")
        calls = len(vendor.requests)
        assert calls >= 1  # B did call the vendor: the job really ran there
        async with a.stream("GET", f"/api/progress/{task_id}", headers={**root, "Last-Event-ID": "1"}) as resumed:
            replayed = [event async for event in _progress(resumed)]
        assert [int(event.id) for event in replayed] == list(range(2, int(replayed[-1].id) + 1))
        assert replayed[-1].data["event_type"] == "cancelled"
        await asyncio.sleep(LEASE_SECONDS * 1.5)  # past a lease and a reap: a cancelled job is not run again
        assert (await _task(b, task_id, root))["status"] == "cancelled"
        assert len(vendor.requests) == calls


async def test_kill_9_of_the_worker_running_a_job_fails_it_after_its_lease(workers, clients, database_url) -> None:
    a, b = clients
    root = bearer(await _token(a))
    kept = await b.post("/api/scenes", json={"title": "Kept", "text": excerpt(1200)}, headers=root)
    assert kept.status_code == 201, kept.text
    scene_id = kept.json()["data"]["id"]
    async with _hanging_vendor(a):
        task_id = await _analysis_held_by(a, database_url, root, "b")
        workers["b"].kill()
        try:
            task = await _until_status(a, task_id, root, "failed", "completed", "cancelled", seconds=LEASE_SECONDS * 10)
            assert (task["status"], task["error"]) == ("failed", "TASK_INTERRUPTED"), task
        finally:
            workers["b"].start()  # the same WORKER_ID takes its slot again; nothing of A's is touched
            await asyncio.to_thread(workers["b"].wait_ready)
    for client in (a, b):  # what B committed before it died is all there
        scene = await client.get(f"/api/scenes/{scene_id}", headers=root)
        assert scene.status_code == 200 and scene.json()["data"]["scene"]["title"] == "Kept"
    async with a.stream("GET", f"/api/progress/{task_id}", headers={**root, "Last-Event-ID": "0"}) as replay:
        kinds = [event.data["event_type"] async for event in _progress(replay)]
    assert kinds[0] == "queued" and "progress" in kinds and kinds[-1] == "failed"
