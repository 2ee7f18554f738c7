"""/v1/objections — 非现场违法异议 / 异地撤销: object anywhere, the recording province decides."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field, StringConstraints

from xborder.api.auth import ActorDep
from xborder.api.deps import application
from xborder.api.fields import IdNumberStr, Name, PhoneStr, PlateStr, ProvinceCode, Ref, StrictBody, Text
from xborder.api.http_commands import run_command
from xborder.api.routes import CommandResult, EmptyBody, NoFields, add_read_routes, now
from xborder.domain.id_numbers import IdNumber
from xborder.domain.money import Money
from xborder.domain.objection.aggregate import Ground, ObjectionFiling, ObjectionStatus, Party, Violation
from xborder.domain.objection.application import ViolationObjections
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate
from xborder.domain.provinces import province_by_code

router = APIRouter(prefix="/v1/objections", tags=["violation objections (异地撤销)"])
Objections = Annotated[ViolationObjections, Depends(application(ViolationObjections))]
KIND = "objection"
add_read_routes(router, KIND, ObjectionStatus)


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


@router.post("", status_code=201, response_model=CommandResult)
def file_objection(
    body: ObjectionIn, request: Request, actor: ActorDep, objections: Objections
) -> JSONResponse:
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
    return run_command(
        request,
        actor,
        body,
        lambda o: objections.file(filing, actor=actor, at=now(request), save_with=o.save_with),
        created=True,
    )


@router.post("/{case_id}/review", response_model=CommandResult)
def start_review(
    case_id: UUID, request: Request, actor: ActorDep, objections: Objections, body: EmptyBody = None
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body or NoFields(),
        lambda o: objections.start_review(case_id, actor=actor, at=now(request), **o.kwargs()),
    )


@router.post("/{case_id}/evidence-requests", response_model=CommandResult)
def request_evidence(
    case_id: UUID, body: EvidenceRequestIn, request: Request, actor: ActorDep, objections: Objections
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: objections.request_evidence(
            case_id, body.request, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/evidence", response_model=CommandResult)
def supply_evidence(
    case_id: UUID, body: EvidenceIn, request: Request, actor: ActorDep, objections: Objections
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: objections.supply_evidence(
            case_id, body.evidence, body.note, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/decision", response_model=CommandResult)
def decide(
    case_id: UUID, body: DecisionIn, request: Request, actor: ActorDep, objections: Objections
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: objections.decide(
            case_id, body.upheld, body.reason, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/elimination", response_model=CommandResult)
def eliminate_record(
    case_id: UUID, request: Request, actor: ActorDep, objections: Objections, body: EmptyBody = None
) -> JSONResponse:
    """消除: the recording province confirms the camera record is removed (due 3 working days after
    upholding)."""
    return run_command(
        request,
        actor,
        body or NoFields(),
        lambda o: objections.eliminate_record(case_id, actor=actor, at=now(request), **o.kwargs()),
    )


@router.post("/{case_id}/refund", response_model=CommandResult)
def complete_refund(
    case_id: UUID, body: RefundIn, request: Request, actor: ActorDep, objections: Objections
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: objections.complete_refund(
            case_id, Money(body.amount), actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/withdrawal", response_model=CommandResult)
def withdraw_objection(
    case_id: UUID, body: WithdrawalIn, request: Request, actor: ActorDep, objections: Objections
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: objections.withdraw(case_id, body.reason, actor=actor, at=now(request), **o.kwargs()),
    )
