"""HitAndRunCase events -> the 协查 case document each involved province keeps: the incident, each
target's acknowledgement and clues (other targets' clue details are masked on reading), the suspect
vehicle, and the outcome."""

from __future__ import annotations

from xborder.infra.contracts import Envelope
from xborder.projections.casedoc import Doc, iso


def project_hit_and_run(doc: Doc, envelope: Envelope) -> None:
    data, kind, at = envelope.data, envelope.type, iso(envelope.occurred_at)
    if kind == "CaseOpened":
        doc["provinces"] = {data["incident"]: "incident"}
        doc.update(
            incident=data["incident"],
            occurred_at=iso(data["occurred_at"]),
            place=data["place"],
            casualties=data["casualties"],
            suspect_vehicle=data["suspect_vehicle"],
            plate=data["suspect_vehicle"].get("plate"),
            direction=data["direction"],
            rescue_id=data.get("rescue_id"),
            targets={},
            apprehension=None,
            handover_at=None,
            solved=None,
            determination=None,
            interim_determinations=[],
            interim_requests=[],
            vehicle_amendments=[],
            suspensions=[],
        )
    elif kind == "AssistanceRequested":
        for code in data["targets"]:
            doc["provinces"][code] = "target"
            doc["targets"][code] = {
                "requested_at": at,
                "ack_within_hours": data["ack_within_hours"],
                "acknowledged_at": None,
                "clues": [],
                "withdrawn_at": None,
            }
    elif kind == "AssistanceAcknowledged":
        doc["targets"][data["target"]]["acknowledged_at"] = at
    elif kind == "ClueReported":
        doc["targets"][data["target"]]["clues"].append(
            {"hit": data["hit"], "details": data["details"], "at": at}
        )
    elif kind == "SuspectApprehended":
        doc["apprehension"] = {
            "target": data["target"],
            "plate": data["plate"],
            "suspect": data["suspect"],
            "vehicle_seized": data["vehicle_seized"],
            "at": at,
        }
        doc["plate"] = data["plate"]
        if data["target"] == doc["incident"]:  # caught by the incident province: in its custody at once
            doc["handover_at"] = at
    elif kind == "SuspectVehicleAmended":
        doc["suspect_vehicle"] = data["suspect_vehicle"]
        doc["plate"] = data["suspect_vehicle"].get("plate")
        doc.setdefault("vehicle_amendments", []).append(
            {"released_plate": data["released_plate"], "reason": data["reason"], "at": at}
        )
    elif kind == "CaseSuspended":
        doc.setdefault("suspensions", []).append({"suspended_at": at, "reason": data["reason"]})
    elif kind == "CaseReopened":
        doc["suspensions"][-1].update(reopened_at=at, reopen_reason=data["reason"])
    elif kind == "InterimDeterminationRequested":
        doc.setdefault("interim_requests", []).append({"reference": data["reference"], "at": at})
    elif kind == "HandoverCompleted":
        doc["handover_at"] = at
    elif kind == "CaseSolved":
        doc["solved"] = {"at": at, "withdrawn_from": data["withdrawn_from"]}
        for code in data["withdrawn_from"]:
            doc["targets"][code]["withdrawn_at"] = at
    elif kind == "ResponsibilityDetermined":
        doc["determination"] = {
            "outcome": data["outcome"],
            "points": data["points"],
            "legal_basis": data.get("legal_basis"),
            "at": at,
        }
    elif kind == "InterimDeterminationIssued":
        doc["interim_determinations"].append({"summary": data["summary"], "at": at})
