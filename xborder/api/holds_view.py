"""A vehicle's holds as the caller may see them.

Every caller learns that a vehicle is held, by which kind of case, and where to go about it — the
transfer check refuses it either way, and an owner must know why. The case id, the holding province and
the reason are shown only to callers who may see the holding case itself (its provinces' officers in
the roles the case gives them, its parties): "suspect vehicle of an open hit-and-run case" told to
whoever asks about a plate would tip off a suspect. Whether the caller may see the case is decided by
the event store and the workflow's visibility rule (`xborder.api.case_lookup`), as for commands — so the
answer does not depend on whether the caller's province has applied the case yet, and never shows more
than `GET` of the case will.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xborder.api.case_lookup import visible_case
from xborder.domain.actors import Actor
from xborder.domain.holds import VehicleHold

# Where a caller who may not see the holding case should go: never which case, nor whose.
GUIDANCE: dict[str, str] = {
    "objection": "An objection to a traffic-violation record on this vehicle is being handled; the "
    "traffic police office where it was filed can say more"
    " (交通违法异议处理中，请咨询受理地公安交通管理部门).",
    "hit_and_run": "A traffic police case holds this vehicle; ask the vehicle administration office "
    "where it is registered (车辆被公安交通管理部门依法管控，请到登记地车辆管理所咨询).",
}
_DEFAULT_GUIDANCE = (
    "A case of the traffic police holds this vehicle; ask the vehicle administration office where it is "
    "registered (请到登记地车辆管理所咨询)."
)


def holds_as_seen(holds: Iterable[VehicleHold], actor: Actor, container: Any) -> list[dict[str, Any]]:
    return [hold_as_seen(hold, actor, container) for hold in holds]


def hold_as_seen(hold: VehicleHold, actor: Actor, container: Any) -> dict[str, Any]:
    if visible_case(container, actor, hold.kind, hold.case_id) is not None:
        return {
            "kind": hold.kind,
            "case_id": str(hold.case_id),
            "province": hold.province,
            "reason": hold.reason,
        }
    return {"kind": hold.kind, "guidance": GUIDANCE.get(hold.kind, _DEFAULT_GUIDANCE)}
