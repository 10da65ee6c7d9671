"""Hosting a built single-page frontend the way the reference does (spec §2.4).

`/assets/*` and `/static/*` are files in STATIC_DIR; any other GET outside `/api` and `/ws` answers
TEMPLATES_DIR/index.html with no-cache headers, so client-side routes work on reload.
"""

from __future__ import annotations

import os
from pathlib import Path

import anyio
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import StaticFiles

_NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache", "Expires": "0"}
_PLACEHOLDER = """<!doctype html><html lang="en"><meta charset="utf-8"><title>sceneintruder</title>
<body><h1>sceneintruder</h1><p>The API is running under <code>/api</code>
(<a href="/api/docs">interactive docs</a>). No frontend is installed: put a built SPA in
<code>TEMPLATES_DIR</code> (index.html) and <code>STATIC_DIR</code> (assets).</p></body></html>"""


class FrontendAssets(StaticFiles):
    """STATIC_DIR served at `/assets` and `/static`; while no frontend is installed (no such directory) every file
    is a plain 404, not the 500 Starlette's check would make of it. The check runs again on each request until
    the directory appears, so a frontend dropped in later is served without a restart."""

    async def check_config(self) -> None:
        if self.directory is None or not await anyio.to_thread.run_sync(os.path.isdir, self.directory):
            raise HTTPException(status_code=404)
        await super().check_config()


class SpaHost:
    def __init__(self, templates_dir: Path) -> None:
        self.index = templates_dir / "index.html"

    @staticmethod
    def serves(path: str) -> bool:
        return not (path == "/api" or path.startswith(("/api/", "/ws/", "/assets/", "/static/")))

    def index_response(self) -> Response:
        if self.index.is_file():
            return FileResponse(self.index, media_type="text/html", headers=_NO_CACHE)
        return HTMLResponse(_PLACEHOLDER, status_code=404, headers=_NO_CACHE)
