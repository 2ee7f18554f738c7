"""A known suspect vehicle (named when the case opens or amended later, or the apprehended one) is held
until the case ends — a suspended case included — so that it cannot be re-registered in another
province while it is hunted. Amending the suspect vehicle moves the hold to the plate now named, or
lifts it when none is (a wrongly named plate released); the case holds at most one plate at a time."""

from __future__ import annotations

from xborder.infra.contracts import Envelope
from xborder.projections.holds import HoldChange

# Told to whoever may not see the case: nothing that says it is a suspect's vehicle, nor whose case.
GUIDANCE = (
    "A traffic police case holds this vehicle; ask the vehicle administration office where it is"
    " registered (车辆被公安交通管理部门依法管控，请到登记地车辆管理所咨询)."
)
_REASON = "suspect vehicle of an open hit-and-run case (交通肇事逃逸协查)"
_RELEASED_BY = frozenset({"CaseClosed", "TransferredToCriminal"})


def hit_and_run_holds(envelope: Envelope) -> list[HoldChange]:
    data = envelope.data
    plate, province = None, ""
    if envelope.type == "CaseOpened":
        plate, province = data["suspect_vehicle"].get("plate"), str(data["incident"])
    elif envelope.type == "SuspectApprehended":
        plate, province = data["plate"], str(data["target"])
    elif envelope.type == "SuspectVehicleAmended":
        # amended by the incident province, whose case holds the plate
        plate, province = data["suspect_vehicle"].get("plate"), str((envelope.actor or {}).get("province"))
        if not plate and data["released_plate"]:
            return [HoldChange(envelope.aggregate_id, envelope.version, active=False)]
    if plate:
        return [
            HoldChange(
                envelope.aggregate_id, envelope.version, True, str(plate), "hit_and_run", province, _REASON
            )
        ]
    if envelope.type in _RELEASED_BY:
        return [HoldChange(envelope.aggregate_id, envelope.version, active=False)]
    return []
