"""The threads that the endpoints every user calls — commands, case reads — hand their blocking work to:
the event store, the read models, the keys, the audit log.

FastAPI runs a plain `def` endpoint through Starlette's `run_in_threadpool` (anyio's worker threads).
On this project's 2-core machine that hand-off cost about 130 µs of CPU per request, most of it anyio's
queue and its condition variable written in Python, and it was an eighth of the API's CPU under load;
`concurrent.futures`' pool (a queue written in C) costs about 55 µs. So those endpoints are `async def`
and call `run_blocking`; the rest (console pages, operators' endpoints) keep FastAPI's pool.

Load shedding (`xborder.api.shedding`) counts what waits here as well as what waits for FastAPI's pool:
the count is exact — taken off when the work starts, or when its request stops waiting for it before
it started (a cancelled future is never run).
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Final, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# As many as anyio's default pool: requests that may wait on the database at once (each pool of
# connections bounds how many of them actually use it).
MAX_THREADS: Final = 40


class BlockingWork:
    """A pool of threads for blocking calls made from the event loop, and how many calls wait for one."""

    def __init__(self, max_threads: int = MAX_THREADS) -> None:
        self._executor = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="xborder-api")
        self._lock = threading.Lock()
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """Calls handed over that no thread has started yet."""
        return self._waiting

    async def run(self, function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`function(*args, **kwargs)` on a thread of the pool, in a copy of the caller's context (as
        anyio's hand-off does). Cancelling the caller does not stop a call that has started."""
        context = contextvars.copy_context()
        state = _Queued()
        with self._lock:
            self._waiting += 1

        def started() -> T:
            with self._lock:
                if not state.left:
                    self._waiting -= 1
                state.started = True
            return context.run(function, *args, **kwargs)

        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, started)
        except BaseException:
            # Given up before a thread took it (its request cancelled), or never handed over (the
            # pool shut down): it will not run, so it no longer waits.
            with self._lock:
                if not state.started and not state.left:
                    state.left = True
                    self._waiting -= 1
            raise

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class _Queued:
    """One call's way through the pool: `started` by a thread, or `left` by its caller first."""

    __slots__ = ("left", "started")

    def __init__(self) -> None:
        self.started = False
        self.left = False


# One pool for the process, as anyio's default is one per event loop: the API serves one loop, and the
# tests' clients, each on a loop of its own, share these threads instead of starting their own.
API_THREADS: Final = BlockingWork()


async def run_blocking(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` on the API's threads (`API_THREADS`)."""
    return await API_THREADS.run(function, *args, **kwargs)
