"""Health, readiness and metrics: what operators and orchestrators probe, no caller needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from xborder.api.overload import OverloadGuard
from xborder.consumers.status_file import read_status
from xborder.domain.calendar import CST

router = APIRouter()


@router.get("/healthz", tags=["operations"])
async def healthz() -> dict[str, str]:
    """The process is up (no dependency is checked: that is /readyz). Async: it runs on the event loop
    and needs no thread, so it answers even when the thread pool is busy."""
    return {"status": "ok"}


@router.get("/readyz", tags=["operations"])
def readyz(request: Request) -> JSONResponse:
    container = request.app.state.container
    database = container.db.ping()
    # A province whose read model lives in its own database cannot be read or projected without it.
    own = {code: db.ping() for code, db in container.readmodels.own_databases.items()}
    workers = [w.status() for w in container.workers]
    status_file = getattr(request.app.state, "workers_status_file", None)
    if status_file:  # the workers run in a process of their own (`xborder serve`): as it reports them
        workers += read_status(Path(status_file))
    expected = request.app.state.expect_workers
    # `ready` implies running (`Worker.status`, `read_status`).
    workers_ok = all(w["ready"] and not w["error"] for w in workers) and (bool(workers) or not expected)
    ready = database and all(own.values()) and workers_ok
    body = {
        "status": "ready" if ready else "not_ready",
        "database": "ok" if database else "unreachable",
        "province_databases": {code: "ok" if up else "unreachable" for code, up in sorted(own.items())},
        "mode": "kafka" if container.kafka_enabled else "embedded",
        "workers": workers,
        # Parked records do not make the service unready (their consumers go on), but they need an
        # operator: `xborder dead-letters list`.
        "dead_letters": container.dead_letters.parked_counts() if database and all(own.values()) else None,
    }
    # The holiday calendar ending soon does not make the service unready (deadlines past it are marked
    # provisional), but an operator must add the next year's schedule: a warning, still 200.
    calendar = container.calendar
    warning = calendar.horizon_warning(container.clock.now().astimezone(CST).date())
    horizon = None if calendar.horizon is None else calendar.horizon.isoformat()
    body["calendar"] = {"horizon": horizon, "warning": warning}
    if warning is not None:
        body["warnings"] = [warning]
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", tags=["operations"])
def metrics(request: Request) -> Response:
    registry = CollectorRegistry()
    registry.register(_WorkerCollector(request.app.state.container))
    guard = getattr(request.app.state, "overload_guard", None)
    if guard is not None:
        registry.register(_OverloadCollector(guard))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class _WorkerCollector:
    def __init__(self, container: Any) -> None:
        self.container = container

    def collect(self) -> Any:
        running = GaugeMetricFamily("xborder_worker_running", "1 if the worker is running", labels=["worker"])
        failures = GaugeMetricFamily(
            "xborder_worker_consecutive_failures", "consecutive failed steps", labels=["worker"]
        )
        for worker in self.container.workers:
            running.add_metric([worker.name], 1.0 if worker.running and not worker.error else 0.0)
            failures.add_metric([worker.name], float(worker.failures))
        yield running
        yield failures


class _OverloadCollector:
    """Whether the API sheds load now (`xborder.api.overload`), at what bound, and what it has refused."""

    def __init__(self, guard: OverloadGuard) -> None:
        self.guard = guard

    def collect(self) -> Any:
        state = self.guard.state()
        yield GaugeMetricFamily(
            "xborder_api_overloaded",
            "1 while requests past the in-progress limit are refused",
            value=state.overloaded,
        )
        yield GaugeMetricFamily(
            "xborder_api_in_progress",
            "requests being served (not those waiting for a version)",
            value=state.in_progress,
        )
        if state.limit is not None:
            yield GaugeMetricFamily(
                "xborder_api_in_progress_limit",
                "requests in progress past which one is refused",
                value=state.limit,
            )
        yield CounterMetricFamily(
            "xborder_api_refused_overloaded",
            "requests refused 503 because the API was overloaded",
            value=state.refused,
        )
