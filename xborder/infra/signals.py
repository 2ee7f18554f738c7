"""A signal from the projection consumers (worker threads) to the reads that wait for a version (the
event loop): "province P's read model just changed, look again".

Waiting reads must not hold a thread while they wait, so they (through `xborder.api.version_watch`)
await an `asyncio.Event`; consumers run in threads, so they set it through `loop.call_soon_threadsafe`.
Each province has a generation counter: a reader notes it before querying and waits only while it is
unchanged, so a change that lands between the query and the wait is never missed. Consumers running in
another process cannot reach the signal: for a province not projected here (`projected_here`), waiting
reads also look again at a modest interval (`read_wait_poll_seconds`).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict

_Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Event]


class ReadModelSignals:
    """Thread-safe: `notify` from any thread, `wait` from any event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generations: dict[str, int] = defaultdict(int)
        self._waiters: dict[str, set[_Waiter]] = defaultdict(set)
        self._local: set[str] = set()

    def project_here(self, province: str) -> None:
        """This process runs `province`'s projection consumer, which signals every change it applies."""
        with self._lock:
            self._local.add(province)

    def projected_here(self, province: str) -> bool:
        """True if every change to `province`'s read model is signalled: readers need not poll."""
        with self._lock:
            return province in self._local

    def generation(self, province: str) -> int:
        """Note this before reading the read model; pass it to `wait` afterwards."""
        with self._lock:
            return self._generations[province]

    def notify(self, province: str) -> None:
        """Province `province`'s read model changed: wake everything waiting on it."""
        with self._lock:
            self._generations[province] += 1
            waiters = self._waiters.pop(province, set())
        for loop, event in waiters:
            # The loop may have closed since its reader registered (shutdown): nobody is left to wake.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    async def wait(self, province: str, seen: int, timeout: float | None) -> bool:
        """Until `province` changes after generation `seen`, at most `timeout` seconds (None: no limit).
        True if it did."""
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._lock:
            if self._generations[province] != seen:
                return True
            self._waiters[province].add(waiter)
        try:
            async with asyncio.timeout(None if timeout is None else max(timeout, 0.0)):
                await event.wait()
            return True
        except TimeoutError:
            return False
        finally:
            with self._lock:
                waiting = self._waiters.get(province)
                if waiting is not None:
                    waiting.discard(waiter)
                    if not waiting:
                        del self._waiters[province]
