"""JointRescue events -> the rescue document each involved province keeps: the three parties
(警 / 医 / 保·基金) with their response times, the casualties (medical notes masked on reading for
everyone but the treating side), and the link to a fled driver's hit-and-run case."""

from __future__ import annotations

from xborder.infra.contracts import Envelope
from xborder.projections.casedoc import Doc, iso


def project_rescue(doc: Doc, envelope: Envelope) -> None:
    data, kind, at = envelope.data, envelope.type, iso(envelope.occurred_at)
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
            # The link carries the version of the linked case it was made at: the hit-and-run case is
            # opened from this very event (version 1), so a reader following the link asks for that
            # version (`?min_version=1`) and is answered 202, not 404, until its province has it.
            hit_and_run_version=1 if data.get("hit_and_run_id") else None,
            police=None,
            medical=None,
            insurers={},
            fault=None,
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
        advance = {
            "amount": data["amount"],
            "at_fault": data["at_fault"],
            "at": at,
            "head": data["head"],
            "limit": data["limit"],
            "at_fault_provisional": data["at_fault_provisional"],
            "costs": data["costs"],
            "over_limit": data["over_limit"],
        }
        insurer = doc["insurers"][data["insurer"]]
        # `advance`: the first one, as before heads; `advances`: each head's.
        if insurer.get("advance") is None:
            insurer["advance"] = advance
        insurer.setdefault("advances", {})[data["head"]] = advance
    elif kind == "FaultDetermined":
        doc["fault"] = {"at_fault": data["at_fault"], "insurers": data["insurers"], "at": at}
    elif kind == "FundNotified":
        doc["fund"] = {
            "reason": data["reason"],
            "notified_at": at,
            "review": None,
            "request": {
                "rescue_costs": data["rescue_costs"],
                "rescue_costs_until": data["rescue_costs_until"],
                "funeral_costs": data["funeral_costs"],
                "deceased": data["deceased"],
            },
            "recoveries": [],
            "recovered": 0,
        }
    elif kind == "FundRecoveryRecorded":
        doc["fund"].setdefault("recoveries", []).append(
            {"liable_party": data["liable_party"], "amount": data["amount"], "at": at}
        )
        doc["fund"]["recovered"] = doc["fund"].get("recovered", 0) + data["amount"]
    elif kind in ("FundAdvancePaid", "FundAdvanceDenied"):
        paid = kind == "FundAdvancePaid"
        doc["fund"]["review"] = {"approved": paid, "amount": data["amount"] if paid else 0, "at": at}
    elif kind == "RescueClosed":
        doc["closed_at"] = at
