"""The API's contract, checked from outside: the OpenAPI document says what the server does, schemathesis
finds no 5xx and no response that contradicts it, and /api/docs renders with no internet."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import shutil
import sys
from pathlib import Path

import httpx

from sceneintruder.app import create_app
from tests.support.builders import assert_error
from tests.support.servers import run_uvicorn


async def test_the_document_declares_every_body(client) -> None:
    document = (await client.get("/api/openapi.json")).json()
    operations = [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 74
    for path, method, operation in operations:
        responses = operation["responses"]
        assert "422" not in responses, (method, path)
        assert responses["400"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorEnvelope"
        }
        assert "4XX" in responses and "5XX" in responses
        success = [status for status in responses if status.startswith("2")]
        assert success, (method, path)
        for status in success:
            content = responses[status]["content"]
            assert content and all(entry.get("schema") is not None for entry in content.values()), (method, path)
            if "application/json" in content:
                ref = content["application/json"]["schema"]["$ref"]
                envelope = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
                assert envelope["required"] == ["success", "data", "message", "timestamp", "request_id"]


async def test_a_validation_error_is_the_documented_400(client) -> None:
    body = assert_error(await client.post("/api/scenes", json={"title": 5}), 400, "BAD_REQUEST")
    assert {detail["field"] for detail in body["error"]["details"]} == {"title", "text"}


async def test_docs_render_offline_under_their_own_policy(client) -> None:
    page = await client.get("/api/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "https://" not in html and "http://" not in html  # nothing from a CDN
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    for script in re.findall(r"<script>(.*?)</script>", html, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy  # the browser runs the page's inline script
    assert "connect-src 'self'" in policy
    for asset in re.findall(r'(?:src|href)="(/api/docs/static/[^"]+)"', html):
        response = await client.get(asset)
        assert response.status_code == 200 and len(response.content) > 1000, asset
    assert (await client.get("/api/openapi.json")).json()["openapi"].startswith("3.")


async def test_schemathesis_finds_no_server_error_and_no_contract_violation(make_settings) -> None:
    """Every operation, a bounded number of generated requests each, against the real server."""
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    assert st, "schemathesis is in the dev extras"
    app = create_app(make_settings(rate_limit_enabled=False))
    async with run_uvicorn(app) as base:
        async with httpx.AsyncClient(base_url=base) as client:  # a scene, so some ids lead somewhere
            await client.post("/api/scenes", json={"title": "Seed", "text": "Alice met Bob in the garden."})
        process = await asyncio.create_subprocess_exec(
            st,
            "run",
            f"{base}/api/openapi.json",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--phases",
            "coverage,fuzzing",
            "--max-examples",
            "8",
            "--seed",
            "20261204",
            "--generation-deterministic",
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--no-color",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-6000:]
    operations = sum(len(ops) for ops in app.openapi()["paths"].values())
    assert operations >= 74 and "passed" in text and f"Tested: {operations}" in text, text[-3000:]
