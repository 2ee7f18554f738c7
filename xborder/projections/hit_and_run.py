"""HitAndRunCase events -> the 协查 case document each involved province keeps."""

from __future__ import annotations

from typing import Any

from xborder.infra.contracts import Envelope
from xborder.projections.casedoc import Doc, iso

_STATUS_AFTER = {
    "CaseOpened": "open",
    "SuspectApprehended": "suspect_apprehended",
    "HandoverCompleted": "handed_over",
    "CaseSolved": "solved",
    "CaseClosed": "closed",
    "TransferredToCriminal": "transferred_to_criminal",
}


def project_hit_and_run(doc: Doc, envelope: Envelope) -> None:
    data = envelope.data
    kind = envelope.type
    at = iso(envelope.occurred_at)
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
        )
    elif kind == "AssistanceRequested":
        if doc["status"] == "open":  # a target added after the capture does not undo it
            doc["status"] = "assistance_requested"
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
    elif kind == "HandoverCompleted":
        doc["handover_at"] = at
    elif kind == "CaseSolved":
        doc["solved"] = {"at": at, "withdrawn_from": data["withdrawn_from"]}
        for code in data["withdrawn_from"]:
            doc["targets"][code]["withdrawn_at"] = at
    elif kind == "ResponsibilityDetermined":
        doc["determination"] = {"outcome": data["outcome"], "points": data["points"], "at": at}
    elif kind == "InterimDeterminationIssued":
        doc["interim_determinations"].append({"summary": data["summary"], "at": at})
    if kind in _STATUS_AFTER:
        doc["status"] = _STATUS_AFTER[kind]
    doc["awaiting"] = _awaiting(doc)


def _awaiting(doc: Doc) -> list[dict[str, Any]]:
    incident, status = doc["incident"], doc["status"]
    role = "investigator"
    items = [
        {
            "province": code,
            "role": role,
            "action": "acknowledge_assistance",
            "deadline": f"assistance_ack:{code}",
        }
        for code, target in sorted(doc["targets"].items())
        if target["acknowledged_at"] is None and target["withdrawn_at"] is None
    ]
    next_step = {
        "suspect_apprehended": ("take_handover", "determination"),
        "handed_over": ("mark_solved", "determination"),
        "solved": ("determine_responsibility", "determination"),
    }.get(status)
    if next_step:
        items.append({"province": incident, "role": role, "action": next_step[0], "deadline": next_step[1]})
    return items
