"""An open violation objection holds its plate in every province until it is decided or withdrawn
(DOMAIN.md: the vehicle may not leave its province while a record on it is disputed)."""

from __future__ import annotations

from xborder.infra.contracts import Envelope
from xborder.projections.holds import HoldChange

GUIDANCE = (
    "An objection to a traffic-violation record on this vehicle is being handled; the traffic police"
    " office where it was filed can say more (交通违法异议处理中，请咨询受理地公安交通管理部门)."
)
_RELEASED_BY = frozenset({"ObjectionUpheld", "ObjectionDismissed", "ObjectionWithdrawn"})


def objection_holds(envelope: Envelope) -> list[HoldChange]:
    if envelope.type == "ObjectionFiled":
        violation = envelope.data["violation"]
        return [
            HoldChange(
                envelope.aggregate_id,
                envelope.version,
                active=True,
                plate=str(violation["plate"]),
                kind="objection",
                province=str(envelope.data["recording"]),
                reason=f"violation {violation['record_number']} is under objection",
            )
        ]
    if envelope.type in _RELEASED_BY:
        return [HoldChange(envelope.aggregate_id, envelope.version, active=False)]
    return []
