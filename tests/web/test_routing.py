"""Indexed dispatch finds every route a path can match, in the original order, for the whole app."""

from __future__ import annotations

import re

from starlette.routing import Match

from sceneintruder.app import create_app
from sceneintruder.web.routing import PATH_CACHE, PATH_CACHE_LENGTH, IndexedDispatch


def _sample_paths(app) -> list[str]:
    paths = {"/", "/api", "/api/", "/api/nope", "/x/y/z/w/v", "/assets/app.js", "/static/a/b.css", "/scenes/abc"}
    for route in app.routes:
        path = getattr(route, "path", "")
        concrete = re.sub(r"\{[^}]+\}", "abc", path) or "/"
        paths |= {concrete, concrete + "/", concrete + "/extra", concrete.rsplit("/", 1)[0] or "/"}
    return sorted(paths)


def test_candidates_include_every_matching_route_in_order(settings) -> None:
    app = create_app(settings)
    dispatch = IndexedDispatch(app.router)
    for path in _sample_paths(app):
        for method in ("GET", "POST", "PUT", "DELETE"):
            scope = {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}
            matching = [r for r in app.router.routes if r.matches(dict(scope))[0] is not Match.NONE]
            found = dispatch.candidates(path)
            assert [r for r in found if r in matching] == matching, (method, path)
            positions = [app.router.routes.index(r) for r in found]
            assert positions == sorted(positions)


def test_the_index_follows_routes_added_later(settings) -> None:
    app = create_app(settings)
    dispatch = IndexedDispatch(app.router)
    assert dispatch.candidates("/api/late/route") == []

    async def late() -> None:
        return None

    app.add_api_route("/api/late/route", late)
    assert [r.path for r in dispatch.candidates("/api/late/route")] == ["/api/late/route"]


def test_candidate_lists_are_short(settings) -> None:
    app = create_app(settings)
    dispatch = IndexedDispatch(app.router)
    assert len(dispatch.candidates("/api/users/alice/items/item_1")) == 3  # GET, PUT, DELETE


def test_a_path_asked_again_is_answered_from_the_kept_candidates_and_the_kept_are_bounded(settings) -> None:
    app = create_app(settings)
    dispatch = IndexedDispatch(app.router)
    first = dispatch.candidates("/api/scenes/scene_1")
    assert dispatch.candidates("/api/scenes/scene_1") is first  # kept, not looked up again
    assert first == dispatch._lookup("/api/scenes/scene_1")
    for number in range(PATH_CACHE + 10):
        assert dispatch.candidates(f"/api/scenes/scene_{number}") == first
    assert 0 < len(dispatch._by_path) <= PATH_CACHE
    long_path = "/api/scenes/" + "x" * PATH_CACHE_LENGTH  # answered, not kept
    assert dispatch.candidates(long_path) == first
    assert long_path not in dispatch._by_path
