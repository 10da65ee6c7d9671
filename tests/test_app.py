"""The response contract and HTTP hygiene, through the real app."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from tests.support.builders import assert_error


async def test_success_envelope_has_every_key_and_an_rfc3339_timestamp(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"success", "data", "message", "timestamp", "request_id"}
    assert body["success"] is True
    assert datetime.fromisoformat(body["timestamp"]).utcoffset() is not None
    assert body["request_id"] == response.headers["x-request-id"]


async def test_request_id_is_echoed_when_sane_and_generated_otherwise(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/api/health", headers={"X-Request-ID": "trace-123.abc"})
    assert echoed.headers["x-request-id"] == "trace-123.abc"
    assert echoed.json()["request_id"] == "trace-123.abc"
    replaced = await client.get("/api/health", headers={"X-Request-ID": "bad id <script>"})
    assert replaced.headers["x-request-id"] != "bad id <script>"
    assert replaced.json()["request_id"] == replaced.headers["x-request-id"]
    assert len(replaced.headers["x-request-id"]) == 32


async def test_unknown_api_path_is_a_404_envelope_with_the_path(client: httpx.AsyncClient) -> None:
    body = assert_error(await client.get("/api/no/such/thing"), 404, "NOT_FOUND")
    assert body["error"] == {
        "code": "NOT_FOUND",
        "message": "API endpoint not found",
        "details": "/api/no/such/thing",
    }
    assert_error(await client.post("/api/no/such/thing", json={}), 404, "NOT_FOUND")


async def test_wrong_method_is_405_with_allow_header(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/health")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response.headers["allow"]


async def test_validation_errors_are_400_with_field_details(client: httpx.AsyncClient) -> None:
    body = assert_error(await client.post("/api/auth/login", json={"username": 5}), 400, "BAD_REQUEST")
    fields = {detail["field"] for detail in body["error"]["details"]}
    assert fields == {"username", "password"}
    malformed = await client.post("/api/auth/login", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_error(malformed, 400, "BAD_REQUEST")


async def test_body_over_the_limit_is_413_by_header_and_while_streaming(make_settings) -> None:
    app = create_app(make_settings(max_request_body_bytes=2048))
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            big = b'{"username":"' + b"x" * 4096 + b'","password":"y"}'
            declared = await client.post("/api/auth/login", content=big, headers={"Content-Type": "application/json"})
            assert_error(declared, 413, "PAYLOAD_TOO_LARGE")

            async def chunks():
                yield big[:1500]
                yield big[1500:]

            streamed = await client.post(
                "/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
            )
            assert "content-length" not in streamed.request.headers
            assert_error(streamed, 413, "PAYLOAD_TOO_LARGE")


async def test_unhandled_error_is_a_500_envelope_without_a_trace(settings) -> None:
    app = create_app(settings)

    async def explode() -> None:
        raise RuntimeError("secret detail /etc/passwd api_key=sk-123")

    app.add_api_route("/api/_explode", explode)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/api/_explode", headers={"X-Request-ID": "boom-1"})
    body = assert_error(response, 500, "INTERNAL_ERROR")
    assert body["request_id"] == "boom-1"
    assert "secret" not in response.text and "Traceback" not in response.text and "details" not in body["error"]


async def test_options_is_204_before_routing(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/anything/at/all")
    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:5173", True),
        ("http://127.0.0.1:8080", True),
        ("https://localhost", True),
        ("http://localhost.evil.com", False),
        ("http://evil.com", False),
        ("http://localhost:5173.evil.com", False),
    ],
)
async def test_cors_without_a_list_allows_exactly_local_origins(client, origin: str, allowed: bool) -> None:
    response = await client.get("/api/health", headers={"Origin": origin})
    assert response.headers["vary"] == "Origin"
    if allowed:
        assert response.headers["access-control-allow-origin"] == origin
        assert response.headers["access-control-allow-credentials"] == "true"
    else:
        assert "access-control-allow-origin" not in response.headers


async def test_cors_with_a_list_is_exact_match(make_settings) -> None:
    app = create_app(make_settings(allowed_origins="https://app.example.com, https://admin.example.com"))
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            good = await client.options("/api/health", headers={"Origin": "https://admin.example.com"})
            assert good.status_code == 204
            assert good.headers["access-control-allow-origin"] == "https://admin.example.com"
            for origin in (
                "https://app.example.com.evil.com",
                "http://app.example.com",
                "http://localhost:3000",
            ):
                bad = await client.get("/api/health", headers={"Origin": origin})
                assert "access-control-allow-origin" not in bad.headers


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    for response in (await client.get("/api/health"), await client.get("/api/nope")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_spa_routes_serve_index_and_assets_are_files(make_settings, tmp_path) -> None:
    frontend = tmp_path / "frontend"
    (frontend / "assets").mkdir(parents=True)
    (frontend / "index.html").write_text("<html>the app</html>", encoding="utf-8")
    (frontend / "assets" / "app.js").write_text("console.log(1)", encoding="utf-8")
    app = create_app(make_settings())
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            for path in ("/", "/scenes", "/scenes/scene_1/story", "/settings", "/user/profile"):
                page = await client.get(path)
                assert page.status_code == 200, path
                assert page.text == "<html>the app</html>"
                assert page.headers["cache-control"] == "no-cache, no-store, must-revalidate"
            asset = await client.get("/assets/app.js")
            assert asset.text == "console.log(1)"
            assert (await client.get("/static/app.js")).text == "console.log(1)"
            assert (await client.get("/assets/missing.js")).status_code == 404
            assert_error(await client.get("/api/unknown"), 404, "NOT_FOUND")


async def test_without_a_frontend_the_root_says_where_the_api_is(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 404
    assert "/api/docs" in response.text


async def test_the_collector_runs_with_the_serving_thresholds_and_gets_its_own_back(settings) -> None:
    import gc

    from sceneintruder.app import GC_THRESHOLDS

    before = gc.get_threshold()
    assert before != GC_THRESHOLDS
    app = create_app(settings)
    async with LifespanManager(app):
        assert gc.get_threshold() == GC_THRESHOLDS and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
