"""VehicleTransfer events -> the transfer document both provinces keep."""

from __future__ import annotations

from xborder.infra.contracts import Envelope
from xborder.projections.casedoc import Doc, iso


def project_transfer(doc: Doc, envelope: Envelope) -> None:
    data, kind = envelope.data, envelope.type
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
    elif kind == "TransferRegistered":
        doc["new_plate"] = data["new_plate"]
    elif kind == "TransferWithdrawn":
        doc["withdrawal"] = {"reason": data["reason"]}
