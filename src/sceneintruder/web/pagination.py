"""Page parameters shared by every listing route: bounded, so an absurd page is a 400, never an SQL overflow."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

MAX_PAGE = 1_000_000

Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]


def page_meta(page: int, limit: int, total: int) -> dict[str, int]:
    """The `meta` of a `?paginated=true` listing."""
    return {"page": page, "per_page": limit, "total": total, "total_pages": (total + limit - 1) // limit}
