"""Load shedding: past the bound of requests waiting for a thread, a request is answered 503 with
Retry-After before anything runs; health endpoints are never shed; the count is anyio's own."""

from __future__ import annotations

import threading

import anyio
import anyio.to_thread
from fastapi import FastAPI
from fastapi.testclient import TestClient

from xborder.api.shedding import OVERLOADED, ThreadQueueLimit, threads_awaited


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

    app.add_middleware(ThreadQueueLimit, max_waiting=3, waiting=lambda: waiting[0])
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
