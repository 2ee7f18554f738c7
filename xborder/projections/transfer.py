"""VehicleTransfer events -> the transfer case document each involved province keeps."""

from __future__ import annotations

from typing import Any

from xborder.infra.contracts import Envelope
from xborder.projections.casedoc import Doc, iso

_STATUS_AFTER = {
    "TransferApplied": "archive_requested",
    "ArchiveRequested": "archive_requested",
    "ArchiveReleased": "archive_released",
    "TransferRefused": "refused",
    "ArchiveVerified": "archive_verified",
    "ArchiveRejected": "archive_rejected",
    "TransferRegistered": "registered",
    "TransferWithdrawn": "withdrawn",
    "TransferLapsed": "lapsed",
}

# Who must act next, by status: (province role in the case, user role, action).
_AWAITING = {
    "archive_requested": ("origin", "vehicle_admin", "release_or_refuse_archive", "archive_release"),
    "archive_released": ("destination", "vehicle_admin", "verify_archive", "archive_verification"),
    "archive_verified": ("destination", "vehicle_admin", "inspect_vehicle", None),
    "inspected": ("destination", "vehicle_admin", "register_vehicle", "registration"),
}


def project_transfer(doc: Doc, envelope: Envelope) -> None:
    data = envelope.data
    kind = envelope.type
    if kind == "TransferApplied":
        doc["provinces"] = {data["origin"]: "origin", data["destination"]: "destination"}
        doc["parties"] = [str((envelope.actor or {}).get("sub"))]
        for field in (
            "plate",
            "vin",
            "vehicle_type",
            "use",
            "owner",
            "origin",
            "destination",
            "destination_city",
            "residence_proof",
            "mortgagee",
        ):
            doc[field] = data[field]
        doc["inspections"] = []
    elif kind == "ArchiveReleased":
        doc["archive_ref"] = data["archive_ref"]
    elif kind == "TransferRefused":
        doc["refusal"] = {"reasons": data["reasons"], "detail": data["detail"]}
    elif kind in ("ArchiveVerified", "ArchiveRejected"):
        doc["archive_verification"] = {"accepted": kind == "ArchiveVerified", "reason": data["reason"]}
    elif kind == "VehicleInspected":
        doc["inspections"].append(
            {
                "passed": data["passed"],
                "reasons": data["reasons"],
                "evidence": data["evidence"],
                "at": iso(envelope.occurred_at),
            }
        )
        if data["passed"]:
            doc["status"] = "inspected"
    elif kind == "TransferRegistered":
        doc["new_plate"] = data["new_plate"]
    elif kind == "TransferWithdrawn":
        doc["withdrawal"] = {"reason": data["reason"]}
    if kind in _STATUS_AFTER:
        doc["status"] = _STATUS_AFTER[kind]
    doc["awaiting"] = _awaiting(doc)


def _awaiting(doc: Doc) -> list[dict[str, Any]]:
    entry = _AWAITING.get(doc["status"])
    if entry is None:
        return []
    side, role, action, deadline = entry
    province = next(code for code, r in doc["provinces"].items() if r == side)
    return [{"province": province, "role": role, "action": action, "deadline": deadline}]
