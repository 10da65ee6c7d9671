"""The JSON mode each model server accepted, learned by any worker and told to every other through the cluster
bus: a llama-cpp-python server refuses `json_schema` once for the whole cluster, not once per worker.

A plain mapping to the adapters (`ProviderDeps.json_modes`, keyed "provider|base_url|model"); a new entry is
published, and entries published elsewhere are taken in. With the in-process bus it is just this process's map.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, MutableMapping
from typing import Protocol

import orjson

log = logging.getLogger("sceneintruder.settings")

TOPIC = "llm_json_modes"


class _Bus(Protocol):
    def subscribe(self, topic: str, handler: Callable[[bytes], None]) -> None: ...

    def publish(self, topic: str, message: bytes) -> None: ...


class SharedJsonModes(MutableMapping[str, str]):
    def __init__(self, bus: _Bus) -> None:
        self._modes: dict[str, str] = {}
        self._bus = bus
        bus.subscribe(TOPIC, self._heard)

    def __getitem__(self, key: str) -> str:
        return self._modes[key]

    def __setitem__(self, key: str, mode: str) -> None:
        if self._modes.get(key) == mode:
            return
        self._modes[key] = mode
        self._bus.publish(TOPIC, orjson.dumps({"key": key, "mode": mode}))

    def __delitem__(self, key: str) -> None:
        del self._modes[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._modes)

    def __len__(self) -> int:
        return len(self._modes)

    def _heard(self, message: bytes) -> None:
        try:
            data = orjson.loads(message)
            key, mode = data["key"], data["mode"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("ignored a malformed %s message", TOPIC)
            return
        if isinstance(key, str) and isinstance(mode, str):
            self._modes[key] = mode
