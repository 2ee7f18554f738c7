"""/v1/rescues — 警医保三方联动: the nearest police, hospital and insurer act together, any province."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field, StringConstraints

from xborder.api.auth import ActorDep
from xborder.api.deps import application
from xborder.api.fields import PlateStr, ProvinceCode, StrictBody, Text
from xborder.api.hit_and_runs import PlaceIn
from xborder.api.http_commands import run_command
from xborder.api.routes import CommandResult, EmptyBody, NoFields, add_read_routes, now
from xborder.domain.money import Money
from xborder.domain.rescue.aggregate import Casualty, RescueReport, RescueStatus, Severity
from xborder.domain.rescue.application import JointRescues
from xborder.domain.rescue.funding import FundReason, VehicleCover

router = APIRouter(prefix="/v1/rescues", tags=["joint rescue (警医保联动)"])
Rescues = Annotated[JointRescues, Depends(application(JointRescues))]
KIND = "rescue"
add_read_routes(router, KIND, RescueStatus)

Label = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class CasualtyIn(StrictBody):
    ref: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    severity: Severity
    medical_notes: Text = ""


class VehicleIn(StrictBody):
    plate: PlateStr | None = None
    insurer: Label | None = None
    policy: Label | None = None


class RescueIn(StrictBody):
    occurred_at: AwareDatetime
    place: PlaceIn
    casualties: list[CasualtyIn] = Field(default_factory=list, max_length=200)
    vehicles: list[VehicleIn] = Field(default_factory=list, max_length=50)
    driver_fled: bool


class DispatchIn(StrictBody):
    unit: Label
    province: ProvinceCode


class MedicalDispatchIn(StrictBody):
    hospital: Label
    province: ProvinceCode


class AdmissionIn(StrictBody):
    patients: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = Field(
        min_length=1, max_length=200
    )


class InsurerNoticeIn(StrictBody):
    insurer: Label
    policy: Label


class InsurerAdvanceIn(StrictBody):
    amount: int = Field(ge=1, le=1_000_000, description="yuan")
    at_fault: bool


class FundNoticeIn(StrictBody):
    reason: FundReason


class FundReviewIn(StrictBody):
    approved: bool
    amount: int = Field(default=0, ge=0, le=10_000_000, description="yuan")


@router.post("", status_code=201, response_model=CommandResult)
def open_rescue(body: RescueIn, request: Request, actor: ActorDep, rescues: Rescues) -> JSONResponse:
    """Opened by the dispatch centre of the accident's province (the caller's)."""
    report = RescueReport(
        occurred_at=body.occurred_at,
        road=body.place.road,
        km=body.place.km,
        lat=body.place.lat,
        lon=body.place.lon,
        casualties=tuple(Casualty(c.ref, c.severity, c.medical_notes) for c in body.casualties),
        vehicles=tuple(VehicleCover(v.plate, v.insurer, v.policy) for v in body.vehicles),
        driver_fled=body.driver_fled,
    )
    return run_command(
        request,
        actor,
        body,
        lambda o: rescues.open_rescue(report, actor=actor, at=now(request), save_with=o.save_with),
        created=True,
    )


@router.post("/{case_id}/police-dispatch", response_model=CommandResult)
def dispatch_police(
    case_id: UUID, body: DispatchIn, request: Request, actor: ActorDep, rescues: Rescues
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: rescues.dispatch_police(
            case_id, body.unit, body.province, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/police-arrival", response_model=CommandResult)
def report_police_arrival(
    case_id: UUID, request: Request, actor: ActorDep, rescues: Rescues, body: EmptyBody = None
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body or NoFields(),
        lambda o: rescues.report_police_arrival(case_id, actor=actor, at=now(request), **o.kwargs()),
    )


@router.post("/{case_id}/medical-dispatch", response_model=CommandResult)
def dispatch_medical(
    case_id: UUID, body: MedicalDispatchIn, request: Request, actor: ActorDep, rescues: Rescues
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: rescues.dispatch_medical(
            case_id, body.hospital, body.province, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/admission", response_model=CommandResult)
def admit_patients(
    case_id: UUID, body: AdmissionIn, request: Request, actor: ActorDep, rescues: Rescues
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: rescues.admit_patients(case_id, body.patients, actor=actor, at=now(request), **o.kwargs()),
    )


@router.post("/{case_id}/insurer-notice", response_model=CommandResult)
def notify_insurer(
    case_id: UUID, body: InsurerNoticeIn, request: Request, actor: ActorDep, rescues: Rescues
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: rescues.notify_insurer(
            case_id, body.insurer, body.policy, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/insurer-advance", response_model=CommandResult)
def confirm_insurer_advance(
    case_id: UUID, body: InsurerAdvanceIn, request: Request, actor: ActorDep, rescues: Rescues
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: rescues.confirm_insurer_advance(
            case_id, Money(body.amount), body.at_fault, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/fund-notice", response_model=CommandResult)
def notify_fund(
    case_id: UUID, body: FundNoticeIn, request: Request, actor: ActorDep, rescues: Rescues
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: rescues.notify_fund(case_id, body.reason, actor=actor, at=now(request), **o.kwargs()),
    )


@router.post("/{case_id}/fund-review", response_model=CommandResult)
def review_fund(
    case_id: UUID, body: FundReviewIn, request: Request, actor: ActorDep, rescues: Rescues
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: rescues.review_fund(
            case_id, body.approved, Money(body.amount), actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/closure", response_model=CommandResult)
def close_rescue(
    case_id: UUID, request: Request, actor: ActorDep, rescues: Rescues, body: EmptyBody = None
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body or NoFields(),
        lambda o: rescues.close_rescue(case_id, actor=actor, at=now(request), **o.kwargs()),
    )
