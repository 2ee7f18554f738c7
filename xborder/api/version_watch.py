"""Waiting, without a thread, until a province's read model has applied a version of a case.

Every read waiting in a province is served by one watcher (per province and event loop): after each
change signal of that province — and, for a province projected by another process, at each poll
interval — it reads, in one query, the documents of the waited-for cases whose awaited version
arrived, and hands each to every read waiting for it. So 200 waiting reads cost one short query per
change, not 200, and hold no thread and no connection between changes. The watcher exists only while
some read waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from xborder.api.presenters import Doc
from xborder.api.threads import run_blocking
from xborder.infra.signals import ReadModelSignals
from xborder.projections.store import ProvinceReadModels


@dataclass(eq=False)
class _Waiter:
    case_id: UUID
    version: int
    arrived: asyncio.Future[Doc]


@dataclass(eq=False)
class _Province:
    waiters: set[_Waiter] = field(default_factory=set)
    task: asyncio.Task[None] | None = None


class VersionWatch:
    def __init__(
        self, readmodels: ProvinceReadModels, signals: ReadModelSignals, *, poll_seconds: float
    ) -> None:
        self._readmodels = readmodels
        self._signals = signals
        self._poll_seconds = poll_seconds
        # Futures and tasks belong to one event loop; a server has one, test clients may have several.
        self._watched: dict[tuple[asyncio.AbstractEventLoop, str], _Province] = {}

    async def until(self, province: str, case_id: UUID, version: int, timeout: float) -> Doc | None:
        """The case as `province` holds it once at `version` or later, or None after `timeout`
        seconds. Whether the caller may see it is the caller's to check."""
        loop = asyncio.get_running_loop()
        key = (loop, province)
        watched = self._watched.setdefault(key, _Province())
        waiter = _Waiter(case_id, version, loop.create_future())
        watched.waiters.add(waiter)
        if watched.task is None or watched.task.done():
            watched.task = loop.create_task(self._watch(key, watched))
        try:
            async with asyncio.timeout(max(timeout, 0.0)):
                return await waiter.arrived
        except TimeoutError:
            return None
        finally:
            watched.waiters.discard(waiter)
            if waiter.arrived.done() and not waiter.arrived.cancelled():
                waiter.arrived.exception()  # seen: asyncio need not warn that nobody retrieved it
            if not watched.waiters:
                # The last read left: stop watching (a new read starts a new watcher).
                if self._watched.get(key) is watched:
                    del self._watched[key]
                if watched.task is not None:
                    watched.task.cancel()

    async def _watch(self, key: tuple[asyncio.AbstractEventLoop, str], watched: _Province) -> None:
        province = key[1]
        poll = None if self._signals.projected_here(province) else self._poll_seconds
        while watched.waiters:
            seen = self._signals.generation(province)
            try:
                arrived = await run_blocking(self._arrived, province, list(watched.waiters))
            except Exception as error:  # noqa: BLE001  # handed to every waiting read, which raises it
                for waiter in list(watched.waiters):
                    if not waiter.arrived.done():
                        waiter.arrived.set_exception(error)
                if self._watched.get(key) is watched:
                    del self._watched[key]
                return
            for waiter in list(watched.waiters):
                doc = arrived.get(waiter.case_id)
                if doc is not None and not waiter.arrived.done() and int(doc["version"]) >= waiter.version:
                    waiter.arrived.set_result(doc)
            await self._signals.wait(province, seen, poll)

    def _arrived(self, province: str, waiters: Sequence[_Waiter]) -> dict[UUID, Doc]:
        """(In a worker thread.) The cases whose awaited version some waiter now has, in one query
        (each case at the lowest version one of its waiters awaits: each waiter checks its own)."""
        wanted: dict[UUID, int] = {}
        for waiter in waiters:
            wanted[waiter.case_id] = min(waiter.version, wanted.get(waiter.case_id, waiter.version))
        return self._readmodels.reached(province, wanted)
