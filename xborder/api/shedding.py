"""Shedding load: a request that would queue behind too many others for a worker thread is answered
503 with Retry-After at once, instead of joining a queue that only grows.

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

from collections.abc import Callable, Collection
from typing import Final

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from xborder.api.problems import problem_response
from xborder.api.threads import API_THREADS

OVERLOADED: Final = "service.overloaded"
RETRY_AFTER_SECONDS: Final = 1
_NEVER_SHED: Final = frozenset({"/healthz", "/readyz", "/metrics"})


def threads_awaited() -> int:
    """How many tasks of this event loop wait for a thread of the default pool (run_in_threadpool's)."""
    return int(anyio.to_thread.current_default_thread_limiter().statistics().tasks_waiting)


def requests_waiting() -> int:
    """How many requests wait for a thread: of FastAPI's pool, or of the one commands and case reads
    hand their work to (`xborder.api.threads`)."""
    return threads_awaited() + API_THREADS.waiting


class ThreadQueueLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_waiting: int,
        waiting: Callable[[], int] = requests_waiting,
        never_shed: Collection[str] = _NEVER_SHED,
    ) -> None:
        if max_waiting < 1:
            raise ValueError(f"max_waiting must be positive, got {max_waiting}")
        self.app = app
        self.max_waiting = max_waiting
        self.waiting = waiting
        self.never_shed = frozenset(never_shed)
        self.shed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] not in self.never_shed
            and self.waiting() >= self.max_waiting
        ):
            self.shed += 1
            response = problem_response(
                503,
                OVERLOADED,
                f"the service is busier than it can serve ({self.max_waiting} requests already wait); "
                f"retry after {RETRY_AFTER_SECONDS} s (a command with its Idempotency-Key)",
                title="Service overloaded",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
