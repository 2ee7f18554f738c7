"""Reads across workflows for a caller: the province's inbox, a vehicle's cases and holds, and the
province's statistics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from xborder.api.auth import ActorDep
from xborder.api.fields import PlateStr
from xborder.api.holds_view import holds_as_seen
from xborder.api.presenters import is_visible

router = APIRouter()


@router.get("/v1/stats", tags=["across workflows"])
def stats(request: Request, actor: ActorDep) -> dict[str, Any]:
    """For the caller's province: per workflow, counts by status (`counts`), cases with an overdue
    deadline in all and by status (`overdue`, `overdue_counts`), and the seconds from a case's opening
    to each step: how many were timed, their median and 90th percentile (`seconds_to`; the medians also
    as `median_seconds_to`); for rescues the median police and medical response times."""
    return {
        "province": actor.province,
        "workflows": request.app.state.container.readmodels.stats(actor.province or ""),
    }


@router.get("/v1/vehicles/{plate}", tags=["across workflows"])
def vehicle(plate: PlateStr, request: Request, actor: ActorDep) -> dict[str, Any]:
    """The cases the caller's province holds on this plate, and the holds that forbid transferring it
    (open objections, open hit-and-run cases: in any province, as the transfer check sees them) — with
    the holding case's details only for a caller who may see that case (`xborder.api.holds_view`)."""
    container = request.app.state.container
    cases = [
        {"id": doc["id"], "kind": doc["kind"], "status": doc["status"], "version": doc["version"]}
        for doc in container.readmodels.on_plate(actor.province or "", plate)
        if is_visible(doc, actor)
    ]
    holds = holds_as_seen(container.holds.holds_on(plate), actor, container)
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
                    # Counted past the last year the working-day calendar knows: may move.
                    "provisional": bool(deadline and deadline.get("provisional")),
                }
            )
    items.sort(key=lambda item: (item["due"] is None, item["due"] or ""))
    return {"items": items}
