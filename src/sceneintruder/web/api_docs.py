"""`/api/docs`: Swagger UI from files shipped in a Python package (fastapi-offline's copy of swagger-ui-dist 5),
so the docs render on a machine with no internet, under a Content-Security-Policy of their own.

The page's one inline script is allowed by its hash (computed here from the page itself), not by
'unsafe-inline'. Every other `/api` response keeps `default-src 'none'` (core.middleware), which would blank
the page: the middleware leaves `/api/docs` to this module.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

DOCS_PATH = "/api/docs"
ASSETS_PATH = f"{DOCS_PATH}/static"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def _policy(page: bytes) -> str:
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def install_docs(app: FastAPI, *, openapi_url: str) -> None:
    page = bytes(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        ).body
    )
    headers = {"content-security-policy": _policy(page), "cache-control": "no-cache"}

    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    app.add_api_route(DOCS_PATH, docs, methods=["GET"], include_in_schema=False)
    static = Path(fastapi_offline.__file__).parent / "static"
    app.mount(ASSETS_PATH, StaticFiles(directory=static), name="api-docs-assets")
