"""/v1/objections — 非现场违法异议 / 异地撤销: object anywhere, the recording province decides."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from xborder.api.fields import (
    PersonIn,
    PlateStr,
    ProvinceCode,
    Ref,
    Statement,
    StrictBody,
    Text,
    WithdrawalIn,
)
from xborder.api.routes import CaseCommands, Command
from xborder.domain.money import Money
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

commands = CaseCommands(
    ViolationObjections,
    "/v1/objections",
    "violation objections (异地撤销)",
    kind="objection",
    statuses=ObjectionStatus,
)
router = commands.router


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


class PartyIn(PersonIn):
    pass  # its own name, the OpenAPI schema's (`PartyIn`)


class ObjectionIn(StrictBody):
    recording_province: ProvinceCode
    violation: ViolationIn
    ground: Ground
    ground_detail: Text = ""
    police_report_number: Annotated[str, StringConstraints(max_length=64)] | None = None
    party: PartyIn
    evidence: list[Ref] = Field(default_factory=list, max_length=50)


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
        party=body.party.as_(Party),
        evidence=tuple(body.evidence),
    )
    return objections.file(filing, **command.kwargs())


commands.on_case("/review", ViolationObjections.start_review)


@commands.body_of("/evidence-requests", ViolationObjections.request_evidence)
class EvidenceRequestIn(StrictBody):
    request: Statement


@commands.body_of("/evidence", ViolationObjections.supply_evidence)
class EvidenceIn(StrictBody):
    evidence: list[Ref] = Field(default_factory=list, max_length=50)
    note: Text = ""


@commands.body_of("/decision", ViolationObjections.decide)
class DecisionIn(StrictBody):
    upheld: bool
    reason: Statement


commands.on_case(
    "/elimination",
    ViolationObjections.eliminate_record,
    doc="消除: the recording province confirms the camera record is removed (due 3 working days after\n"
    "upholding).",
)


@commands.body_of("/refund", ViolationObjections.complete_refund, convert={"amount": Money})
class RefundIn(StrictBody):
    amount: int = Field(ge=1, le=200_000, description="yuan")


commands.on_case("/withdrawal", ViolationObjections.withdraw, WithdrawalIn, name="withdraw_objection")
