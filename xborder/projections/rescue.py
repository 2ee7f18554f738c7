"""JointRescue events -> the rescue document each involved province keeps."""

from __future__ import annotations

from typing import Any

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
    doc["status"] = _status(doc)
    doc["awaiting"] = _awaiting(doc)


# Funding decisions and the status each leaves the rescue in.
_DECISIONS = {
    "InsurerAdvanceConfirmed": "funding_confirmed",
    "FundAdvancePaid": "funding_confirmed",
    "FundAdvanceDenied": "funding_denied",
}


def _status(doc: Doc) -> str:
    if doc["closed_at"]:
        return "closed"
    # The latest decision in event order, as the aggregate applies them: not by their times, which
    # may tie (or come from clocks that disagree).
    decisions = [_DECISIONS[h["type"]] for h in doc["history"] if h["type"] in _DECISIONS]
    if decisions:
        return decisions[-1]
    if doc["medical"] and doc["medical"]["admitted_at"]:
        return "patients_admitted"
    if doc["police"] or doc["medical"]:
        return "responding"
    return "open"


def _awaiting(doc: Doc) -> list[dict[str, Any]]:
    if doc["closed_at"]:
        return []
    accident = doc["accident"]
    items = []
    police, medical, fund = doc["police"], doc["medical"], doc["fund"]
    if police and not police["arrived_at"]:
        items.append(
            {
                "province": police["province"],
                "role": "traffic_police",
                "action": "report_arrival",
                "deadline": None,
            }
        )
    if medical and not medical["admitted_at"]:
        items.append(
            {
                "province": medical["province"],
                "role": "medical",
                "action": "report_admission",
                "deadline": None,
            }
        )
    for name, insurer in sorted(doc["insurers"].items()):
        if not insurer["advance"]:
            items.append(
                {
                    "province": accident,
                    "role": "insurer",
                    "org": name,
                    "action": "confirm_advance",
                    "deadline": None,
                }
            )
    if "fund_notice" in doc["deadlines"]:
        items.append(
            {"province": accident, "role": "dispatcher", "action": "notify_fund", "deadline": "fund_notice"}
        )
    if fund and not fund["review"]:
        items.append(
            {"province": accident, "role": "fund", "action": "review_fund", "deadline": "fund_review"}
        )
    return items
