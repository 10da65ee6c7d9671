"""Start a coroutine in the caller's task, and hand it to a task of its own only if it has to wait.

Python 3.12's eager tasks do this for a whole task; here it is done for one coroutine. The caller runs it by hand
(`coroutine.send(None)`): if it finishes, no task was made and nothing could interrupt it. If it stops on
something to wait for, `Resumed(coroutine, waiting_on)` is the rest of it as an awaitable, for a task to finish.
Used where a new task's turn in the event loop's queue is the cost: a WebSocket frame's write
(`realtime.connection`), a session's close (`db.session.ClosingSession`).
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any


class Resumed:
    """The rest of a coroutine that was started by hand and is suspended on `waiting_on`, as an awaitable.

    Awaited in a task, it hands the task what the coroutine waits for and passes results (and cancellation)
    back into it: the task finishes the coroutine exactly as if it had run it from the start.
    """

    __slots__ = ("_coroutine", "_waiting_on")

    def __init__(self, coroutine: Coroutine[Any, Any, Any], waiting_on: Any) -> None:
        self._coroutine = coroutine
        self._waiting_on = waiting_on

    def __await__(self) -> Generator[Any, Any, Any]:
        coroutine, waiting_on = self._coroutine, self._waiting_on
        while True:
            try:
                sent = yield waiting_on
            except BaseException as exc:
                try:
                    waiting_on = coroutine.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    waiting_on = coroutine.send(sent)
                except StopIteration as done:
                    return done.value
