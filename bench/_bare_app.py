"""The baseline: a bare FastAPI app with one JSON endpoint and nothing else (plus fixed bytes from a file, for
benchmarks of large responses)."""

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response

app = FastAPI()
_PAYLOAD_FILE = os.environ.get("BARE_PAYLOAD_FILE")
_PAYLOAD = Path(_PAYLOAD_FILE).read_bytes() if _PAYLOAD_FILE else b"{}"


@app.get("/bare")
async def bare() -> dict:
    return {"success": True, "data": {"id": "admin"}, "message": "ok"}


@app.get("/bare/payload")
async def payload() -> Response:
    """The bytes in BARE_PAYLOAD_FILE as they are: what moving a response of that size costs, with no work."""
    return Response(_PAYLOAD, media_type="application/json")
