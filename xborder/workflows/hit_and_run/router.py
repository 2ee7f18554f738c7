"""/v1/hit-and-runs — 交通肇事逃逸协查: one province asks, many respond (一地提请, 多地响应)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from xborder.api.fields import (
    IdNumberStr,
    Name,
    PlaceIn,
    PlateStr,
    ProvinceCode,
    Ref,
    Statement,
    StrictBody,
    Text,
)
from xborder.api.routes import CaseCommands, Command
from xborder.domain.id_numbers import IdNumber
from xborder.domain.plates import Plate, parse_plate_partial
from xborder.workflows.hit_and_run.aggregate import (
    HitAndRunCase,
    HitAndRunStatus,
    Incident,
    Outcome,
    Place,
    Suspect,
    SuspectVehicle,
)
from xborder.workflows.hit_and_run.application import HitAndRunCases

commands = CaseCommands(
    HitAndRunCases,
    "/v1/hit-and-runs",
    "hit-and-run investigation (逃逸协查)",
    kind="hit_and_run",
    statuses=HitAndRunStatus,
)
router = commands.router

Short = Annotated[str, StringConstraints(max_length=200)]


class CasualtiesIn(StrictBody):
    dead: int = Field(ge=0, le=1000)
    injured: int = Field(ge=0, le=1000)


class SuspectVehicleIn(StrictBody):
    plate: PlateStr | None = None
    # Typed forms (spaces, dots, full-width) normalise to at most 8 characters; the domain checks that.
    plate_partial: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description="what witnesses read; * or ? for unread characters", examples=["川A*23*5"]
    )
    color: Short = ""
    model: Short = ""
    features: Text = ""

    @model_validator(mode="after")
    def _partial_is_a_partial_plate(self) -> Self:
        if self.plate_partial is not None:
            self.plate_partial = parse_plate_partial(self.plate_partial)
        return self

    def vehicle(self) -> SuspectVehicle:
        return SuspectVehicle(
            plate=Plate.parse(self.plate) if self.plate else None,
            plate_partial=self.plate_partial,
            color=self.color,
            model=self.model,
            features=self.features,
        )


class CaseIn(StrictBody):
    occurred_at: AwareDatetime
    place: PlaceIn
    casualties: CasualtiesIn
    suspect_vehicle: SuspectVehicleIn
    direction: Short = Field(default="", examples=["向贵州方向逃逸"])


@commands.opening(CaseIn)
def open_case(cases: HitAndRunCases, body: CaseIn, command: Command) -> HitAndRunCase:
    """Opened by the incident province (the caller's)."""
    incident = Incident(
        occurred_at=body.occurred_at,
        place=Place(body.place.road, body.place.km, body.place.lat, body.place.lon),
        dead=body.casualties.dead,
        injured=body.casualties.injured,
        suspect_vehicle=body.suspect_vehicle.vehicle(),
        direction=body.direction,
    )
    return cases.open_case(incident, **command.kwargs())


@commands.body_of(
    "/assistance-requests",
    HitAndRunCases.request_assistance,
    doc="The 协查通报 to (more) target provinces; each sees the case from now on.",
)
class AssistanceRequestIn(StrictBody):
    targets: list[ProvinceCode] = Field(min_length=1, max_length=30)
    ack_within_hours: int | None = Field(default=None, ge=1, le=720)


commands.on_case("/acknowledgements", HitAndRunCases.acknowledge)


@commands.body_of("/clues", HitAndRunCases.report_clue)
class ClueIn(StrictBody):
    hit: bool
    details: Text = ""


class SuspectIn(StrictBody):
    name: Name
    id_number: IdNumberStr

    def suspect(self) -> Suspect:
        return Suspect(self.name, IdNumber.parse(self.id_number))


@commands.body_of(
    "/apprehension",
    HitAndRunCases.apprehend,
    convert={"plate": Plate.parse, "suspect": SuspectIn.suspect},
    doc="The suspect caught (扣留车辆, 传唤), by a target province or by the incident province itself —"
    " which then has custody at once (no handover). The 10-working-day determination clock starts"
    " (146号令 Art 62).",
)
class ApprehensionIn(StrictBody):
    plate: PlateStr
    suspect: SuspectIn
    vehicle_seized: bool


commands.on_case("/handover", HitAndRunCases.take_handover)
commands.on_case(
    "/solution",
    HitAndRunCases.solve,
    doc="Withdraws the assistance request from exactly the provinces it went to.",
)


@commands.body_of(
    "/determination",
    HitAndRunCases.determine,
    doc="Responsibility determined; the case closes or goes to criminal proceedings. Points follow"
    " 163号令 and are recorded with their legal basis: 12 for a hit-and-run that is not a crime (Art 8"
    " (2)) unless the investigators establish a minor injury or property damage only, 6 (Art 10 (7),"
    " never when someone died); none for a crime. `points` may be left out (the rule decides);"
    " another number is refused (`determination.points_invalid`).",
)
class DeterminationIn(StrictBody):
    outcome: Outcome
    points: int | None = Field(default=None, ge=0, le=12)


@commands.body_of(
    "/interim-determination-request",
    HitAndRunCases.request_interim_determination,
    doc="The victim's written request for a determination of the unsolved case (146号令 Art 66),"
    " recorded by the incident province's investigators: the interim determination is due within 10"
    " working days (`interim_determination` clock). Not while suspended (reopen first), nor while"
    " another request awaits its answer.",
)
class InterimDeterminationRequestIn(StrictBody):
    reference: Ref = Field(description="the written request's reference", examples=["川公交逃申〔2026〕17号"])


@commands.body_of(
    "/interim-determination",
    HitAndRunCases.issue_interim_determination,
    doc="For the victim of a case still unsolved (a suspended one included): what has been established"
    " so far. Answers a pending request, stopping its clock.",
)
class InterimDeterminationIn(StrictBody):
    summary: Annotated[str, StringConstraints(min_length=1, max_length=4000)]


@commands.body_of(
    "/suspect-vehicle",
    HitAndRunCases.amend_suspect_vehicle,
    convert={"vehicle": SuspectVehicleIn.vehicle},
    doc="The incident province amends the suspect vehicle until the capture (a suspended case included),"
    " or fills it in for a case a rescue opened. A plate named before and no longer named is released:"
    " its hold is lifted in every province, and the `reason` is in every involved province's history"
    " (`released_plate`). The whole description is given, as at opening; an unchanged one is refused"
    " (`suspect_vehicle.unchanged`).",
)
class SuspectVehicleAmendmentIn(StrictBody):
    vehicle: SuspectVehicleIn
    reason: Statement = Field(examples=["车主提供案发时车辆在外地的证明，号牌系目击者误认"])


@commands.body_of(
    "/suspension",
    HitAndRunCases.suspend,
    doc="The incident province suspends an unsolved case: every clock stops (the targets'"
    " acknowledgements with the request), nobody is awaited, the suspect vehicle stays held. Refused"
    " while a victim's interim determination is awaited.",
)
class SuspensionIn(StrictBody):
    reason: Statement = Field(examples=["线索穷尽，暂无侦查方向"])


@commands.body_of(
    "/reopening",
    HitAndRunCases.reopen,
    doc="The incident province reopens a suspended case: back to the assistance request (or open, if"
    " none went out); each target that had not acknowledged has its acknowledgement clock anew, with"
    " the window it was first given.",
)
class ReopeningIn(StrictBody):
    reason: Statement = Field(examples=["群众举报发现疑似车辆"])
