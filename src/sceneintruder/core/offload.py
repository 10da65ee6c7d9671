"""CPU-bound work kept off the event loop, bounded, and (for untrusted input) isolated and limited.

Two lanes, both bounded so that a burst of requests queues instead of starving the loop:

- `run(fn, *args)`: a small thread pool, for our own CPU work on trusted data (offline skills, text
  segmentation). Pure-Python code in a thread still takes the GIL in turns with the loop, which only costs the
  loop a few milliseconds per switch; the pool's size keeps at most that many such threads.
- `run_isolated(fn, *args, timeout=...)`: a worker process (pebble's `ProcessPool`, from a fork server), for
  parsing files a client sent (EPUB, unknown encodings). The process has an address-space limit, a time limit
  after which pebble kills it, and its memory goes back to the system when it is recycled, so a decompression
  bomb or a pathological document costs neither the loop nor the server's RSS. `fn` and its arguments must be
  importable and picklable.

Both lanes run below the event loop's scheduling priority (nice +10 per thread on Linux), so background CPU work
uses idle cycles first and the loop stays responsive. Built in the app lifespan (`AppState.offload`); worker
processes start on first use only.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import multiprocessing
import os
import resource
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

T = TypeVar("T")


class IsolatedWorkFailed(Exception):
    """The isolated worker ran out of time or memory, or died; `reason` says which ("timeout", "memory", ...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


BACKGROUND_NICENESS = 10  # how much lower than the event loop CPU-bound work is scheduled


def lower_priority() -> None:
    """Thread (or pool) initializer: schedule this thread below the event loop's, so that CPU-bound work shares
    the cores without delaying the loop. On Linux the nice value is per thread (and the threads a library starts
    from here, such as argon2's lanes, inherit it); elsewhere this is a no-op."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)


def _isolated_worker(max_bytes: int) -> None:
    """Pool initializer: a lower priority, and a capped address space (a MemoryError in the worker instead of
    the host's OOM)."""
    lower_priority()
    if max_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


class Offload:
    def __init__(
        self,
        *,
        threads: int,
        isolated_workers: int,
        isolated_memory_bytes: int,
        isolated_tasks_per_worker: int = 20,
    ) -> None:
        self._threads = concurrent.futures.ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="cpu", initializer=lower_priority
        )
        self._isolated_workers = isolated_workers
        self._isolated_memory = isolated_memory_bytes
        self._tasks_per_worker = isolated_tasks_per_worker
        self._pool: ProcessPool | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in the bounded thread pool."""
        return await asyncio.get_running_loop().run_in_executor(self._threads, functools.partial(fn, *args))

    async def run_isolated(self, fn: Callable[..., T], *args: Any, timeout: float) -> T:  # noqa: ASYNC109 - the worker's own time limit
        """`fn(*args)` in a worker process with a memory cap, killed after `timeout` seconds of running.

        Exceptions `fn` raises come back as themselves (they must pickle); running out of time, memory or life is
        IsolatedWorkFailed. Cancelling the caller stops the work.
        """
        # The first schedule starts the pool (the fork server and its workers): a blocking start, kept off the loop.
        future = await asyncio.to_thread(self._process_pool().schedule, fn, args=args, timeout=timeout)
        try:
            return await asyncio.wrap_future(future)
        except concurrent.futures.TimeoutError as exc:
            raise IsolatedWorkFailed("timeout") from exc
        except MemoryError as exc:
            raise IsolatedWorkFailed("memory") from exc
        except ProcessExpired as exc:
            raise IsolatedWorkFailed("worker died") from exc
        except asyncio.CancelledError:
            future.cancel()  # pebble stops the worker running it
            raise

    def _process_pool(self) -> ProcessPool:
        if self._pool is None or not self._pool.active:
            self._pool = ProcessPool(
                max_workers=self._isolated_workers,
                max_tasks=self._tasks_per_worker,
                initializer=_isolated_worker,
                initargs=(self._isolated_memory,),
                context=multiprocessing.get_context("forkserver"),
            )
        return self._pool

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            await asyncio.to_thread(pool.join, 5)
        self._threads.shutdown(wait=False, cancel_futures=True)
