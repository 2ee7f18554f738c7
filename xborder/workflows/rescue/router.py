"""/v1/rescues — 警医保三方联动: the nearest police, hospital and insurer act together, any province."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from xborder.api.fields import Label, PlaceIn, PlateStr, ProvinceCode, StrictBody, Text
from xborder.api.routes import CaseCommands, Command
from xborder.domain.money import Money
from xborder.workflows.rescue.aggregate import Casualty, JointRescue, RescueReport, RescueStatus, Severity
from xborder.workflows.rescue.application import JointRescues
from xborder.workflows.rescue.funding import FundReason, Head, VehicleCover

commands = CaseCommands(
    JointRescues, "/v1/rescues", "joint rescue (警医保联动)", kind="rescue", statuses=RescueStatus
)
router = commands.router

# A casualty's reference in this rescue: the report gives it, the admission names patients by it.
PatientRef = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class CasualtyIn(StrictBody):
    ref: PatientRef
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


@commands.body_of("/police-dispatch", JointRescues.dispatch_police)
class DispatchIn(StrictBody):
    unit: Label
    province: ProvinceCode


commands.on_case("/police-arrival", JointRescues.report_police_arrival)


@commands.body_of("/medical-dispatch", JointRescues.dispatch_medical)
class MedicalDispatchIn(StrictBody):
    hospital: Label
    province: ProvinceCode


@commands.body_of("/admission", JointRescues.admit_patients)
class AdmissionIn(StrictBody):
    patients: list[PatientRef] = Field(min_length=1, max_length=200)


@commands.body_of("/insurer-notice", JointRescues.notify_insurer)
class InsurerNoticeIn(StrictBody):
    insurer: Label
    policy: Label


def _money_or_none(value: int | None) -> Money | None:
    return None if value is None else Money(value)


@commands.body_of(
    "/insurer-advance",
    JointRescues.confirm_insurer_advance,
    convert={"amount": Money, "costs": _money_or_none},
)
class InsurerAdvanceIn(StrictBody):
    amount: int = Field(ge=1, le=1_000_000, description="yuan, within the head's 交强险 limit")
    at_fault: bool | None = Field(
        default=None,
        description="the insured's fault as the insurer states it (provisional); once the police have "
        "determined responsibility it follows their determination and may be left out",
    )
    head: Head = Field(default=Head.MEDICAL, description="the 交强险 head the advance is paid under")
    costs: int | None = Field(
        default=None,
        ge=0,
        le=10_000_000,
        description="yuan: the costs under this head, when known; above the limit the relief fund's "
        "notice clock starts",
    )


@commands.body_of("/fault-determination", JointRescues.determine_fault)
class FaultDeterminationIn(StrictBody):
    at_fault: list[PlateStr] = Field(
        max_length=50, description="the plates whose drivers bear responsibility; the others bear none"
    )


@commands.body_of(
    "/fund-notice",
    JointRescues.notify_fund,
    convert={"rescue_costs": _money_or_none, "funeral_costs": _money_or_none},
)
class FundNoticeIn(StrictBody):
    reason: FundReason
    rescue_costs: int | None = Field(default=None, ge=0, le=10_000_000, description="yuan requested")
    rescue_costs_until: date | None = Field(
        default=None,
        description="the last day of treatment the rescue costs cover: at most 7 days from admission",
    )
    funeral_costs: int | None = Field(default=None, ge=0, le=10_000_000, description="yuan requested")
    deceased: list[PatientRef] = Field(
        default_factory=list, max_length=200, description="casualties who died (for funeral costs)"
    )


@commands.body_of("/fund-review", JointRescues.review_fund, convert={"amount": Money})
class FundReviewIn(StrictBody):
    approved: bool
    amount: int = Field(default=0, ge=0, le=10_000_000, description="yuan")


@commands.body_of("/fund-recovery", JointRescues.record_recovery, convert={"amount": Money})
class FundRecoveryIn(StrictBody):
    liable_party: Label
    amount: int = Field(ge=1, le=10_000_000, description="yuan recovered")


commands.on_case("/closure", JointRescues.close_rescue)
