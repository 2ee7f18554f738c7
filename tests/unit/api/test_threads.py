"""The API's own pool for blocking work (`xborder.api.threads`): calls run on its threads in the
caller's context, and the count of calls waiting for a thread — what load shedding reads — is exact,
whether a call starts, fails, or its caller stops waiting before it started."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from xborder.api import shedding
from xborder.api.threads import BlockingWork

REQUEST: contextvars.ContextVar[str] = contextvars.ContextVar("request", default="none")


def test_a_call_runs_on_a_pool_thread_in_the_callers_context() -> None:
    work = BlockingWork(max_threads=2)

    async def call() -> tuple[str, str]:
        REQUEST.set("r-1")
        return await work.run(lambda: (threading.current_thread().name, REQUEST.get()))

    try:
        name, seen = asyncio.run(call())
    finally:
        work.close()
    assert name.startswith("xborder-api") and seen == "r-1"


def test_calls_waiting_for_a_thread_are_counted_until_they_start_or_are_given_up() -> None:
    work = BlockingWork(max_threads=1)
    holding_thread, release = threading.Event(), threading.Event()
    counts: list[int] = []

    def hold() -> bool:
        holding_thread.set()
        return release.wait(timeout=10)

    def failing() -> None:
        raise ValueError("a command's own error")

    async def scenario() -> None:
        holding = asyncio.ensure_future(work.run(hold))  # takes the only thread
        queued = asyncio.ensure_future(work.run(lambda: "ran"))
        given_up = asyncio.ensure_future(work.run(lambda: "never"))
        fails = asyncio.ensure_future(work.run(failing))
        await asyncio.get_running_loop().run_in_executor(None, holding_thread.wait, 10)
        counts.append(work.waiting)  # three wait behind the held thread
        given_up.cancel()  # its request went away before a thread took it
        with pytest.raises(asyncio.CancelledError):
            await given_up
        counts.append(work.waiting)
        release.set()
        assert await holding is True
        assert await queued == "ran"
        with pytest.raises(ValueError, match="own error"):
            await fails
        counts.append(work.waiting)

    try:
        asyncio.run(scenario())
    finally:
        work.close()
    assert counts == [3, 2, 0]


def test_shedding_counts_the_waiting_of_both_pools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shedding, "threads_awaited", lambda: 2)
    monkeypatch.setattr(shedding.API_THREADS, "_waiting", 3)
    assert shedding.requests_waiting() == 5


def test_a_call_the_pool_cannot_take_is_not_left_counted_as_waiting() -> None:
    work = BlockingWork(max_threads=1)
    work.close()  # as at the interpreter's exit: nothing more is taken

    async def call() -> None:
        await work.run(lambda: None)

    with pytest.raises(RuntimeError, match="shutdown"):
        asyncio.run(call())
    assert work.waiting == 0
