"""/v1/hit-and-runs — 交通肇事逃逸协查: one province asks, many respond (一地提请, 多地响应)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from xborder.api.fields import IdNumberStr, Name, PlaceIn, PlateStr, ProvinceCode, StrictBody, Text
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
    plate_partial: Annotated[str, StringConstraints(max_length=8)] | None = Field(
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


class CaseIn(StrictBody):
    occurred_at: AwareDatetime
    place: PlaceIn
    casualties: CasualtiesIn
    suspect_vehicle: SuspectVehicleIn
    direction: Short = Field(default="", examples=["向贵州方向逃逸"])


@commands.opening(CaseIn)
def open_case(cases: HitAndRunCases, body: CaseIn, command: Command) -> HitAndRunCase:
    """Opened by the incident province (the caller's)."""
    vehicle = body.suspect_vehicle
    incident = Incident(
        occurred_at=body.occurred_at,
        place=Place(body.place.road, body.place.km, body.place.lat, body.place.lon),
        dead=body.casualties.dead,
        injured=body.casualties.injured,
        suspect_vehicle=SuspectVehicle(
            plate=Plate.parse(vehicle.plate) if vehicle.plate else None,
            plate_partial=vehicle.plate_partial,
            color=vehicle.color,
            model=vehicle.model,
            features=vehicle.features,
        ),
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
    "/apprehension", HitAndRunCases.apprehend, convert={"plate": Plate.parse, "suspect": SuspectIn.suspect}
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


@commands.body_of("/determination", HitAndRunCases.determine)
class DeterminationIn(StrictBody):
    outcome: Outcome
    points: int = Field(ge=0, le=12)


@commands.body_of(
    "/interim-determination",
    HitAndRunCases.issue_interim_determination,
    doc="For the victim of a case still unsolved: what has been established so far.",
)
class InterimDeterminationIn(StrictBody):
    summary: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
