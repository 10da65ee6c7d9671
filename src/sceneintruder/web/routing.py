"""Indexed route dispatch: try only the routes that can match a path, not every route in order.

Starlette's `Router.app` tries each route's regex in turn (about a microsecond each on our machines); with the
~120 routes of the full API that scan was most of a request's cost. `IndexedDispatch` keeps a trie of the
routes' leading path segments (literal segments, or a wildcard for a `{param}`), looks up the few candidates
for a request and tries just those, in their original order, so first-match semantics (and 405 for a partial
match) are unchanged. Whatever the candidates do not settle (lifespan, 404, redirect_slashes) is handed to
the router's own `app`, which scans as before.

The candidates of a path are kept (up to `PATH_CACHE` paths of at most `PATH_CACHE_LENGTH` characters, then the
kept ones are dropped at once): a request's path is usually one asked for moments ago, and the trie walk cost
5-8 us of a ~150 us GET.

It is installed as the router's `middleware_stack`, which is where Starlette puts router-level middleware.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.routing import BaseRoute, Match, Mount, Router, get_route_path
from starlette.types import Receive, Scope, Send

DEPTH = 6  # segments indexed; deeper segments are left to the route's own regex
PATH_CACHE = 4096  # paths whose candidates are kept
PATH_CACHE_LENGTH = 256  # longer paths are looked up every time: what is kept stays small whatever is asked


@dataclass
class _Node:
    literal: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None
    exact: list[int] = field(default_factory=list)  # routes with exactly these segments (at DEPTH: or more)
    prefix: list[int] = field(default_factory=list)  # routes that also match any deeper path (mounts, :path)

    def child(self, segment: str | None) -> _Node:
        if segment is None:
            self.param = self.param or _Node()
            return self.param
        return self.literal.setdefault(segment, _Node())


def _route_segments(route: BaseRoute) -> tuple[list[str | None], bool]:
    """The route's leading segments (None for a parameter) and whether it matches deeper paths too."""
    path = getattr(route, "path", "")
    open_ended = isinstance(route, Mount)
    segments: list[str | None] = []
    for part in path.strip("/").split("/") if path.strip("/") else []:
        if ":path}" in part:
            open_ended = True
            break
        segments.append(None if "{" in part else part)
        if len(segments) == DEPTH:
            break
    return segments, open_ended


class IndexedDispatch:
    def __init__(self, router: Router) -> None:
        self.router = router
        self._indexed: tuple[int, int] | None = None
        self._root = _Node()
        self._by_path: dict[str, list[BaseRoute]] = {}

    def _rebuild(self) -> None:
        self._root = _Node()
        for position, route in enumerate(self.router.routes):
            segments, open_ended = _route_segments(route)
            node = self._root
            for segment in segments:
                node = node.child(segment)
            (node.prefix if open_ended else node.exact).append(position)
        self._indexed = (id(self.router.routes), len(self.router.routes))
        self._by_path = {}

    def candidates(self, path: str) -> list[BaseRoute]:
        if self._indexed != (id(self.router.routes), len(self.router.routes)):
            self._rebuild()
        found = self._by_path.get(path)
        if found is None:
            found = self._lookup(path)
            if len(path) <= PATH_CACHE_LENGTH:
                if len(self._by_path) >= PATH_CACHE:
                    self._by_path = {}
                self._by_path[path] = found
        return found

    def _lookup(self, path: str) -> list[BaseRoute]:
        parts = path.strip("/").split("/") if path.strip("/") else []
        depth = min(len(parts), DEPTH)
        found: list[int] = []
        level = [self._root]
        for index in range(depth):
            found.extend(position for node in level for position in node.prefix)
            segment = parts[index]
            level = [child for node in level for child in (node.literal.get(segment), node.param) if child is not None]
            if not level:
                break
        else:
            for node in level:
                found.extend(node.prefix)
                found.extend(node.exact)
        routes = self.router.routes
        return [routes[position] for position in sorted(set(found))]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.router.app(scope, receive, send)
            return
        partial: BaseRoute | None = None
        partial_scope: Scope = {}
        for route in self.candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope.setdefault("router", self.router)
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:
            scope.setdefault("router", self.router)
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        await self.router.app(scope, receive, send)


def install_indexed_dispatch(router: Router) -> None:
    router.middleware_stack = IndexedDispatch(router)
