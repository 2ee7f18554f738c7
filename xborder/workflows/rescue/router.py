"""/v1/rescues — 警医保三方联动: the nearest police, hospital and insurer act together, any province."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import AwareDatetime, Field, StringConstraints

from xborder.api.fields import PlateStr, ProvinceCode, StrictBody, Text
from xborder.api.routes import CaseCommands, Command, NoFields, add_read_routes
from xborder.domain.money import Money
from xborder.workflows.hit_and_run.router import PlaceIn
from xborder.workflows.rescue.aggregate import Casualty, JointRescue, RescueReport, RescueStatus, Severity
from xborder.workflows.rescue.application import JointRescues
from xborder.workflows.rescue.funding import FundReason, VehicleCover

router = APIRouter(prefix="/v1/rescues", tags=["joint rescue (警医保联动)"])
KIND = "rescue"
add_read_routes(router, KIND, RescueStatus)
commands = CaseCommands(router, JointRescues)

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


@commands.opening(RescueIn)
def open_rescue(rescues: JointRescues, body: RescueIn, command: Command) -> JointRescue:
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
    return rescues.open_rescue(report, **command.kwargs())


@commands.on_case("/police-dispatch", DispatchIn)
def dispatch_police(rescues: JointRescues, case_id: UUID, body: DispatchIn, command: Command) -> JointRescue:
    return rescues.dispatch_police(case_id, body.unit, body.province, **command.kwargs())


@commands.on_case("/police-arrival", NoFields)
def report_police_arrival(
    rescues: JointRescues, case_id: UUID, body: NoFields, command: Command
) -> JointRescue:
    return rescues.report_police_arrival(case_id, **command.kwargs())


@commands.on_case("/medical-dispatch", MedicalDispatchIn)
def dispatch_medical(
    rescues: JointRescues, case_id: UUID, body: MedicalDispatchIn, command: Command
) -> JointRescue:
    return rescues.dispatch_medical(case_id, body.hospital, body.province, **command.kwargs())


@commands.on_case("/admission", AdmissionIn)
def admit_patients(rescues: JointRescues, case_id: UUID, body: AdmissionIn, command: Command) -> JointRescue:
    return rescues.admit_patients(case_id, body.patients, **command.kwargs())


@commands.on_case("/insurer-notice", InsurerNoticeIn)
def notify_insurer(
    rescues: JointRescues, case_id: UUID, body: InsurerNoticeIn, command: Command
) -> JointRescue:
    return rescues.notify_insurer(case_id, body.insurer, body.policy, **command.kwargs())


@commands.on_case("/insurer-advance", InsurerAdvanceIn)
def confirm_insurer_advance(
    rescues: JointRescues, case_id: UUID, body: InsurerAdvanceIn, command: Command
) -> JointRescue:
    return rescues.confirm_insurer_advance(case_id, Money(body.amount), body.at_fault, **command.kwargs())


@commands.on_case("/fund-notice", FundNoticeIn)
def notify_fund(rescues: JointRescues, case_id: UUID, body: FundNoticeIn, command: Command) -> JointRescue:
    return rescues.notify_fund(case_id, body.reason, **command.kwargs())


@commands.on_case("/fund-review", FundReviewIn)
def review_fund(rescues: JointRescues, case_id: UUID, body: FundReviewIn, command: Command) -> JointRescue:
    return rescues.review_fund(case_id, body.approved, Money(body.amount), **command.kwargs())


@commands.on_case("/closure", NoFields)
def close_rescue(rescues: JointRescues, case_id: UUID, body: NoFields, command: Command) -> JointRescue:
    return rescues.close_rescue(case_id, **command.kwargs())
