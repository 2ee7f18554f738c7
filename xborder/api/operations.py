"""Health, readiness, metrics, and the cross-workflow inbox."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from xborder.api.auth import ActorDep
from xborder.api.fields import PlateStr
from xborder.api.presenters import is_visible

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
    workers = [w.status() for w in container.workers]
    expected = request.app.state.expect_workers
    workers_ok = all(w["running"] and not w["error"] for w in workers) and (bool(workers) or not expected)
    ready = database and workers_ok
    body = {
        "status": "ready" if ready else "not_ready",
        "database": "ok" if database else "unreachable",
        "mode": "kafka" if container.kafka_enabled else "embedded",
        "workers": workers,
        # Parked records do not make the service unready (their consumers go on), but they need an
        # operator: `xborder dead-letters list`.
        "dead_letters": container.dead_letters.parked_counts() if database else None,
    }
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", tags=["operations"])
def metrics(request: Request) -> Response:
    registry = CollectorRegistry()
    registry.register(_WorkerCollector(request.app.state.container))
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


@router.get("/v1/stats", tags=["across workflows"])
def stats(request: Request, actor: ActorDep) -> dict[str, Any]:
    """For the caller's province: per workflow, counts by status, overdue cases, median time to each
    step; for rescues the median police and medical response times."""
    return {
        "province": actor.province,
        "workflows": request.app.state.container.readmodels.stats(actor.province or ""),
    }


@router.get("/v1/vehicles/{plate}", tags=["across workflows"])
def vehicle(plate: PlateStr, request: Request, actor: ActorDep) -> dict[str, Any]:
    """The cases the caller's province holds on this plate, and the holds that forbid transferring it
    (open objections, open hit-and-run cases: in any province, as the transfer check sees them)."""
    container = request.app.state.container
    cases = [
        {"id": doc["id"], "kind": doc["kind"], "status": doc["status"], "version": doc["version"]}
        for doc in container.readmodels.on_plate(actor.province or "", plate)
        if is_visible(doc, actor)
    ]
    holds = [
        {"kind": h.kind, "case_id": str(h.case_id), "province": h.province, "reason": h.reason}
        for h in container.holds.holds_on(plate)
    ]
    return {"plate": plate, "cases": cases, "holds": holds, "transferable": not holds}


@router.get("/v1/inbox", tags=["across workflows"])
def inbox(request: Request, actor: ActorDep) -> dict[str, Any]:
    """What awaits the caller's province and role: the case, the action, its due time and overdue flag."""
    container = request.app.state.container
    items = []
    for doc in container.readmodels.awaiting(actor.province or "", actor.role.value):
        if not is_visible(doc, actor):
            continue
        for entry in doc.get("awaiting", []):
            if entry["province"] != actor.province or entry["role"] != actor.role.value:
                continue
            if entry.get("org") not in (None, actor.org):
                continue
            deadline = doc.get("deadlines", {}).get(entry.get("deadline") or "")
            items.append(
                {
                    "case_id": doc["id"],
                    "kind": doc["kind"],
                    "status": doc["status"],
                    "version": doc["version"],
                    "action": entry["action"],
                    "due": deadline["due"] if deadline else None,
                    "overdue": bool(deadline and deadline["overdue"]),
                }
            )
    items.sort(key=lambda item: (item["due"] is None, item["due"] or ""))
    return {"items": items}
