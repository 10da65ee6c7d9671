"""EventBus: handlers in order, by event type; a failing handler does not stop the others."""

from __future__ import annotations

from dataclasses import dataclass

from sceneintruder.core.events import EventBus


@dataclass(frozen=True)
class Happened:
    what: str


@dataclass(frozen=True)
class Other:
    pass


async def test_handlers_run_in_order_and_a_failure_is_contained(caplog) -> None:
    bus = EventBus()
    seen: list[str] = []

    async def first(event: Happened) -> None:
        seen.append(f"first:{event.what}")

    async def broken(event: Happened) -> None:
        raise RuntimeError("boom")

    async def last(event: Happened) -> None:
        seen.append(f"last:{event.what}")

    for handler in (first, broken, last):
        bus.subscribe(Happened, handler)
    await bus.publish(Happened("x"))
    await bus.publish(Other())
    assert seen == ["first:x", "last:x"]
    assert "boom" in caplog.text
