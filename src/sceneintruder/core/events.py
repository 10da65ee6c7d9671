"""Domain events inside the process: a domain announces what happened, others react, neither imports the other.

`app.py` wires the subscriptions (e.g. the story starts its initialisation job when a scene is created).
Handlers are awaited in subscription order after the publisher's transaction has committed; a handler that
fails is logged and does not undo the publisher's work or stop the other handlers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

log = logging.getLogger("sceneintruder.events")
E = TypeVar("E")
Handler = Callable[[Any], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._handlers: defaultdict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        self._handlers[event_type].append(handler)

    async def publish(self, event: object) -> None:
        for handler in self._handlers.get(type(event), ()):
            try:
                await handler(event)
            except Exception:
                log.exception("handler %s failed for %s", getattr(handler, "__qualname__", handler), event)
