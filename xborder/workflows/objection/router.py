"""/v1/objections — 非现场违法异议 / 异地撤销: object anywhere, the recording province decides."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import AwareDatetime, Field, StringConstraints

from xborder.api.fields import IdNumberStr, Name, PhoneStr, PlateStr, ProvinceCode, Ref, StrictBody, Text
from xborder.api.routes import CaseCommands, Command, NoFields, add_read_routes
from xborder.domain.id_numbers import IdNumber
from xborder.domain.money import Money
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate
from xborder.domain.provinces import province_by_code
from xborder.workflows.objection.aggregate import (
    Ground,
    ObjectionFiling,
    ObjectionStatus,
    Party,
    Violation,
    ViolationObjection,
)
from xborder.workflows.objection.application import ViolationObjections

router = APIRouter(prefix="/v1/objections", tags=["violation objections (异地撤销)"])
KIND = "objection"
add_read_routes(router, KIND, ObjectionStatus)
commands = CaseCommands(router, ViolationObjections)


class ViolationIn(StrictBody):
    record_number: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    plate: PlateStr
    occurred_at: AwareDatetime
    place: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    code: Annotated[str, StringConstraints(pattern=r"^\d{4,5}$")] = Field(
        description="the violation code (违法代码), e.g. 1625", examples=["1625"]
    )
    fine: int = Field(ge=0, le=100_000, description="yuan")
    points: int = Field(ge=0, le=12)
    penalty_decided: bool


class PartyIn(StrictBody):
    name: Name
    id_number: IdNumberStr
    phone: PhoneStr


class ObjectionIn(StrictBody):
    recording_province: ProvinceCode
    violation: ViolationIn
    ground: Ground
    ground_detail: Text = ""
    police_report_number: Annotated[str, StringConstraints(max_length=64)] | None = None
    party: PartyIn
    evidence: list[Ref] = Field(default_factory=list, max_length=50)


class EvidenceRequestIn(StrictBody):
    request: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class EvidenceIn(StrictBody):
    evidence: list[Ref] = Field(default_factory=list, max_length=50)
    note: Text = ""


class DecisionIn(StrictBody):
    upheld: bool
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class RefundIn(StrictBody):
    amount: int = Field(ge=1, le=200_000, description="yuan")


class WithdrawalIn(StrictBody):
    reason: Text = ""


@commands.opening(ObjectionIn)
def file_objection(
    objections: ViolationObjections, body: ObjectionIn, command: Command
) -> ViolationObjection:
    """File at the caller's province; forwarded to the recording province at once."""
    v = body.violation
    filing = ObjectionFiling(
        recording=province_by_code(body.recording_province),
        violation=Violation(
            record_number=v.record_number,
            plate=Plate.parse(v.plate),
            occurred_at=v.occurred_at,
            place=v.place,
            code=v.code,
            fine=Money(v.fine),
            points=v.points,
            penalty_decided=v.penalty_decided,
        ),
        ground=body.ground,
        ground_detail=body.ground_detail,
        police_report_number=body.police_report_number,
        party=Party(body.party.name, IdNumber.parse(body.party.id_number), Phone.parse(body.party.phone)),
        evidence=tuple(body.evidence),
    )
    return objections.file(filing, **command.kwargs())


@commands.on_case("/review", NoFields)
def start_review(
    objections: ViolationObjections, case_id: UUID, body: NoFields, command: Command
) -> ViolationObjection:
    return objections.start_review(case_id, **command.kwargs())


@commands.on_case("/evidence-requests", EvidenceRequestIn)
def request_evidence(
    objections: ViolationObjections, case_id: UUID, body: EvidenceRequestIn, command: Command
) -> ViolationObjection:
    return objections.request_evidence(case_id, body.request, **command.kwargs())


@commands.on_case("/evidence", EvidenceIn)
def supply_evidence(
    objections: ViolationObjections, case_id: UUID, body: EvidenceIn, command: Command
) -> ViolationObjection:
    return objections.supply_evidence(case_id, body.evidence, body.note, **command.kwargs())


@commands.on_case("/decision", DecisionIn)
def decide(
    objections: ViolationObjections, case_id: UUID, body: DecisionIn, command: Command
) -> ViolationObjection:
    return objections.decide(case_id, body.upheld, body.reason, **command.kwargs())


@commands.on_case("/elimination", NoFields)
def eliminate_record(
    objections: ViolationObjections, case_id: UUID, body: NoFields, command: Command
) -> ViolationObjection:
    """消除: the recording province confirms the camera record is removed (due 3 working days after
    upholding)."""
    return objections.eliminate_record(case_id, **command.kwargs())


@commands.on_case("/refund", RefundIn)
def complete_refund(
    objections: ViolationObjections, case_id: UUID, body: RefundIn, command: Command
) -> ViolationObjection:
    return objections.complete_refund(case_id, Money(body.amount), **command.kwargs())


@commands.on_case("/withdrawal", WithdrawalIn)
def withdraw_objection(
    objections: ViolationObjections, case_id: UUID, body: WithdrawalIn, command: Command
) -> ViolationObjection:
    return objections.withdraw(case_id, body.reason, **command.kwargs())
