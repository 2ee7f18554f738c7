"""ViolationObjection events -> the objection document each involved province keeps: the violation
record, the parties, the evidence exchanged and the decision with its refund."""

from __future__ import annotations

from xborder.infra.contracts import Envelope
from xborder.projections.casedoc import Doc, iso


def project_objection(doc: Doc, envelope: Envelope) -> None:
    data, kind, at = envelope.data, envelope.type, iso(envelope.occurred_at)
    if kind == "ObjectionFiled":
        doc["provinces"] = {data["handling"]: "handling", data["recording"]: "recording"}
        actor = envelope.actor or {}
        doc["parties"] = [str(actor.get("sub"))] if actor.get("role") == "owner" else []
        violation = dict(data["violation"])
        violation["occurred_at"] = iso(violation["occurred_at"])
        doc.update(
            handling=data["handling"],
            recording=data["recording"],
            violation=violation,
            plate=violation["plate"],
            ground=data["ground"],
            ground_detail=data["ground_detail"],
            police_report_number=data["police_report_number"],
            party=data["party"],
            evidence=list(data["evidence"]),
            forwarded_at=None,
            review_started_at=None,
            evidence_requests=[],
            decision=None,
            revocation=None,
            record_eliminated=False,
            refund=None,
            withdrawal=None,
        )
    elif kind == "ObjectionForwarded":
        doc["forwarded_at"] = at
    elif kind == "ReviewStarted":
        doc["review_started_at"] = at
    elif kind == "EvidenceRequested":
        doc["evidence_requests"].append({"request": data["request"], "requested_at": at, "supplied": None})
    elif kind == "EvidenceSupplied":
        doc["evidence_requests"][-1]["supplied"] = {
            "evidence": data["evidence"],
            "note": data["note"],
            "at": at,
        }
        doc["evidence"] = doc["evidence"] + list(data["evidence"])
    elif kind in ("ObjectionUpheld", "ObjectionDismissed"):
        doc["decision"] = {"upheld": kind == "ObjectionUpheld", "reason": data["reason"], "at": at}
    elif kind == "PenaltyRevoked":
        doc["revocation"] = {
            "points_reversed": data["points_reversed"],
            "fine_to_refund": data["fine_to_refund"],
        }
    elif kind == "RecordEliminated":
        doc["record_eliminated"] = True
    elif kind == "RefundCompleted":
        doc["refund"] = {"amount": data["amount"], "at": at}
    elif kind == "ObjectionWithdrawn":
        doc["withdrawal"] = {"reason": data["reason"], "at": at}
