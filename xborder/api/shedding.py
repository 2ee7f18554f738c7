"""Shedding load: a request the service cannot serve in time is answered 503 with Retry-After at once,
instead of joining a queue that only grows. Two bounds, either of which refuses: one on time, while the
service is overloaded (`xborder.api.overload`: past the requests it serves within
`OVERLOAD_LATENCY_SECONDS`), and one on memory, below.

Every endpoint that touches the database runs in the thread pool. When more arrives than the machine
can serve, requests wait for a thread as coroutines, each holding its request; a client that gives up
(a timeout, a closed connection) does not take its request out of that queue, and the work is still
done when its turn comes. Measured under an open-loop load of four times what the service could serve,
the API process grew from about 110 to 310 MiB in a minute and served a third of its closed-loop rate.
Past `max_waiting` requests waiting for a thread, a new one is refused with
`503 service.overloaded` before anything is read or done: it changes nothing, and a client retries a
command with its `Idempotency-Key`. Health and metrics endpoints are never shed (an operator needs
them most when the service is overloaded).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xborder.api.overload import InProgress, OverloadGuard
from xborder.api.problems import problem_response
from xborder.api.threads import API_THREADS

OVERLOADED: Final = "service.overloaded"
RETRY_AFTER_SECONDS: Final = 1
_NEVER_SHED: Final = frozenset({"/healthz", "/readyz", "/metrics"})
_SAFE_METHODS: Final = frozenset({"GET", "HEAD"})

# The request this task serves, as the guard admitted it: a read that waits for a version says so.
_ADMITTED: ContextVar[tuple[OverloadGuard, InProgress] | None] = ContextVar("xborder_admitted", default=None)


@contextmanager
def waiting_for_version() -> Iterator[None]:
    """While the block runs, the request waits for a version to be applied (a read-your-writes wait):
    it is not the service's work, so it is not counted in progress, and its time stops here."""
    admitted = _ADMITTED.get()
    if admitted is None:  # not served through the middleware (an app without it, a unit test)
        yield
        return
    guard, request = admitted
    guard.waiting(request)
    try:
        yield
    finally:
        guard.working(request)


def threads_awaited() -> int:
    """How many tasks of this event loop wait for a thread of the default pool (run_in_threadpool's)."""
    return int(anyio.to_thread.current_default_thread_limiter().statistics().tasks_waiting)


def requests_waiting() -> int:
    """How many requests wait for a thread: of FastAPI's pool, or of the one commands and case reads
    hand their work to (`xborder.api.threads`)."""
    return threads_awaited() + API_THREADS.waiting


class LoadShedding:
    """The middleware: refuses what the guard refuses, or past `max_waiting` requests waiting for a
    thread; times every other request for the guard. Health and metrics are never shed nor timed."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_waiting: int,
        guard: OverloadGuard | None = None,
        waiting: Callable[[], int] = requests_waiting,
        never_shed: Collection[str] = _NEVER_SHED,
    ) -> None:
        if max_waiting < 1:
            raise ValueError(f"max_waiting must be positive, got {max_waiting}")
        self.app = app
        self.max_waiting = max_waiting
        self.guard = guard
        self.waiting = waiting
        self.never_shed = frozenset(never_shed)
        self.shed = 0  # refused past max_waiting (the guard counts its own)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.never_shed:
            await self.app(scope, receive, send)
            return
        if self.waiting() >= self.max_waiting:
            self.shed += 1
            await _refuse(scope, receive, send, f"{self.max_waiting} requests already wait for a thread")
            return
        guard = self.guard
        if guard is None:
            await self.app(scope, receive, send)
            return
        request = guard.arrive(reading=scope["method"] in _SAFE_METHODS)
        if request is None:
            await _refuse(scope, receive, send, "it cannot answer more requests in time")
            return

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                guard.answered(request, ok=message["status"] < 400)
            await send(message)

        admitted = _ADMITTED.set((guard, request))
        try:
            await self.app(scope, receive, timed_send)
        finally:
            _ADMITTED.reset(admitted)
            guard.leave(request)


async def _refuse(scope: Scope, receive: Receive, send: Send, why: str) -> None:
    response = problem_response(
        503,
        OVERLOADED,
        f"the service is busier than it can serve ({why}); "
        f"retry after {RETRY_AFTER_SECONDS} s (a command with its Idempotency-Key)",
        title="Service overloaded",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
    await response(scope, receive, send)
