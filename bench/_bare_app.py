"""The baseline: a bare FastAPI app with one JSON endpoint and nothing else."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/bare")
async def bare() -> dict:
    return {"success": True, "data": {"id": "admin"}, "message": "ok"}
