"""Load shedding: past the bound of requests waiting for a thread, or while the overload guard says the
service is overloaded, a request is answered 503 with Retry-After before anything runs; health
endpoints are never shed; the count is anyio's own."""

from __future__ import annotations

import threading

import anyio
import anyio.to_thread
from fastapi import FastAPI
from fastapi.testclient import TestClient

from xborder.api.overload import OverloadGuard
from xborder.api.shedding import OVERLOADED, LoadShedding, threads_awaited, waiting_for_version


def _app(waiting: list[int], ran: list[str]) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/transfers")
    def command() -> dict[str, str]:
        ran.append("command")
        return {"ok": "yes"}

    @app.get("/healthz")
    def health() -> dict[str, str]:
        ran.append("health")
        return {"status": "ok"}

    app.add_middleware(LoadShedding, max_waiting=3, waiting=lambda: waiting[0])
    return app


def test_below_the_bound_requests_run() -> None:
    ran: list[str] = []
    with TestClient(_app([2], ran)) as client:
        assert client.post("/v1/transfers").status_code == 200
    assert ran == ["command"]


def test_at_the_bound_a_request_is_refused_at_once_and_nothing_runs() -> None:
    ran: list[str] = []
    with TestClient(_app([3], ran)) as client:
        response = client.post("/v1/transfers", json={"anything": 1})
        health = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == OVERLOADED
    assert health.status_code == 200
    assert ran == ["health"]


def test_the_count_is_the_tasks_waiting_for_a_thread_of_the_default_pool() -> None:
    async def scenario() -> tuple[int, int]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = 1
        release = threading.Event()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(anyio.to_thread.run_sync, release.wait)  # holds the only thread
            tasks.start_soon(anyio.to_thread.run_sync, release.wait)  # waits for it
            tasks.start_soon(anyio.to_thread.run_sync, release.wait)  # and so does this one
            await anyio.wait_all_tasks_blocked()
            during = threads_awaited()
            release.set()
        return during, threads_awaited()

    assert anyio.run(scenario) == (2, 0)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _guarded_app(guard: OverloadGuard, clock: _Clock, ran: list[str], seen: list[int]) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/transfers")
    async def command() -> dict[str, str]:
        ran.append("command")
        seen.append(guard.state().in_progress)
        clock.now += 0.5  # answered half a second after it arrived: slower than the target
        return {"ok": "yes"}

    @app.get("/v1/transfers/{case_id}")
    async def read(case_id: str) -> dict[str, str]:
        ran.append("read")
        with waiting_for_version():
            seen.append(guard.state().in_progress)
        return {"id": case_id}

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        ran.append("health")
        return {"status": "ok"}

    app.add_middleware(LoadShedding, max_waiting=1000, waiting=lambda: 0, guard=guard)
    return app


def test_the_guard_times_answers_and_an_overload_refuses_commands_before_they_run() -> None:
    clock, ran, seen = _Clock(), [], []
    guard = OverloadGuard(target=0.25, floor=1, interval=1.0, clock=clock)
    with TestClient(_guarded_app(guard, clock, ran, seen)) as client:
        assert client.post("/v1/transfers").status_code == 200
        assert seen == [1]  # counted in progress while it ran
        clock.now += 1.0  # the interval ends: its fastest answer took 0.5 s
        assert guard.state().overloaded
        # The limit is the floor (one in progress); none is in progress, so one command is admitted.
        # Hold the only place with a request the test makes by hand, and the next command is refused.
        held = guard.arrive()
        refused = client.post("/v1/transfers", json={"plate": "川A12345"})
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == OVERLOADED
        assert ran == ["command"]  # the refused command never ran
        # A read is still admitted (up to twice the limit), and while it waits for a version it is
        # not in progress; health is never shed.
        assert client.get("/v1/transfers/abc").status_code == 200
        assert seen[-1] == 1  # only the held request
        assert client.get("/healthz").status_code == 200
        assert held is not None
        guard.leave(held)
    assert guard.state().in_progress == 0
