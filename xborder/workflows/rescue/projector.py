"""JointRescue events -> the rescue document each involved province keeps.

Status and who must act next come with the envelope, as the aggregate decided them (`apply_common`);
this projector copies the workflow's own facts only.
"""

from __future__ import annotations

from xborder.infra.contracts import Envelope
from xborder.projections.casedoc import Doc, iso


def project_rescue(doc: Doc, envelope: Envelope) -> None:
    data = envelope.data
    kind = envelope.type
    at = iso(envelope.occurred_at)
    if kind == "RescueOpened":
        doc["provinces"] = {data["accident"]: "accident"}
        vehicles = data["vehicles"]
        doc.update(
            accident=data["accident"],
            occurred_at=iso(data["occurred_at"]),
            place=data["place"],
            casualties=data["casualties"],
            vehicles=vehicles,
            plate=next((v["plate"] for v in vehicles if v.get("plate")), None),
            driver_fled=data["driver_fled"],
            hit_and_run_id=str(data["hit_and_run_id"]) if data.get("hit_and_run_id") else None,
            police=None,
            medical=None,
            insurers={},
            fund=None,
            closed_at=None,
        )
    elif kind in ("PoliceDispatched", "MedicalDispatched"):
        doc["provinces"].setdefault(data["province"], "responder")
        unit = {"province": data["province"], "dispatched_at": at, "response_seconds": None}
        if kind == "PoliceDispatched":
            doc["police"] = {**unit, "unit": data["unit"], "arrived_at": None}
        else:
            doc["medical"] = {**unit, "hospital": data["hospital"], "admitted_at": None, "patients": []}
    elif kind == "PoliceArrived":
        doc["police"].update(arrived_at=at, response_seconds=data["response_seconds"])
    elif kind == "PatientsAdmitted":
        doc["medical"].update(
            admitted_at=at, patients=data["patients"], response_seconds=data["response_seconds"]
        )
    elif kind == "InsurerNotified":
        doc["insurers"][data["insurer"]] = {"policy": data["policy"], "notified_at": at, "advance": None}
    elif kind == "InsurerAdvanceConfirmed":
        doc["insurers"][data["insurer"]]["advance"] = {
            "amount": data["amount"],
            "at_fault": data["at_fault"],
            "at": at,
        }
    elif kind == "FundNotified":
        doc["fund"] = {"reason": data["reason"], "notified_at": at, "review": None}
    elif kind in ("FundAdvancePaid", "FundAdvanceDenied"):
        paid = kind == "FundAdvancePaid"
        doc["fund"]["review"] = {"approved": paid, "amount": data["amount"] if paid else 0, "at": at}
    elif kind == "RescueClosed":
        doc["closed_at"] = at
