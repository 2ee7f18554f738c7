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
from xborder.workflow import WorkflowReads


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
    spec = next((s for s in container.workflows if s.kind == hold.kind), None)
    guidance = spec.reads.hold_guidance if spec is not None else WorkflowReads.hold_guidance
    return {"kind": hold.kind, "guidance": guidance}
