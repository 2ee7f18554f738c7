"""/v1/hit-and-runs — 交通肇事逃逸协查: one province asks, many respond (一地提请, 多地响应)."""

from __future__ import annotations

from typing import Annotated, Self
from uuid import UUID

from fastapi import APIRouter
from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from xborder.api.fields import IdNumberStr, Name, PlateStr, ProvinceCode, StrictBody, Text
from xborder.api.routes import CaseCommands, Command, NoFields, add_read_routes
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

router = APIRouter(prefix="/v1/hit-and-runs", tags=["hit-and-run investigation (逃逸协查)"])
KIND = "hit_and_run"
add_read_routes(router, KIND, HitAndRunStatus)
commands = CaseCommands(router, HitAndRunCases)

Short = Annotated[str, StringConstraints(max_length=200)]


class PlaceIn(StrictBody):
    road: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(examples=["G85 渝昆高速"])
    km: float | None = Field(default=None, ge=0, le=10_000)
    # China's extent: keeps swapped or mistyped coordinates out
    lat: float | None = Field(default=None, ge=3, le=54)
    lon: float | None = Field(default=None, ge=73, le=136)


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


class AssistanceRequestIn(StrictBody):
    targets: list[ProvinceCode] = Field(min_length=1, max_length=30)
    ack_within_hours: int | None = Field(default=None, ge=1, le=720)


class ClueIn(StrictBody):
    hit: bool
    details: Text = ""


class SuspectIn(StrictBody):
    name: Name
    id_number: IdNumberStr


class ApprehensionIn(StrictBody):
    plate: PlateStr
    suspect: SuspectIn
    vehicle_seized: bool


class DeterminationIn(StrictBody):
    outcome: Outcome
    points: int = Field(ge=0, le=12)


class InterimDeterminationIn(StrictBody):
    summary: Annotated[str, StringConstraints(min_length=1, max_length=4000)]


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


@commands.on_case("/assistance-requests", AssistanceRequestIn)
def request_assistance(
    cases: HitAndRunCases, case_id: UUID, body: AssistanceRequestIn, command: Command
) -> HitAndRunCase:
    """The 协查通报 to (more) target provinces; each sees the case from now on."""
    return cases.request_assistance(case_id, body.targets, body.ack_within_hours, **command.kwargs())


@commands.on_case("/acknowledgements", NoFields)
def acknowledge(cases: HitAndRunCases, case_id: UUID, body: NoFields, command: Command) -> HitAndRunCase:
    return cases.acknowledge(case_id, **command.kwargs())


@commands.on_case("/clues", ClueIn)
def report_clue(cases: HitAndRunCases, case_id: UUID, body: ClueIn, command: Command) -> HitAndRunCase:
    return cases.report_clue(case_id, body.hit, body.details, **command.kwargs())


@commands.on_case("/apprehension", ApprehensionIn)
def apprehend(cases: HitAndRunCases, case_id: UUID, body: ApprehensionIn, command: Command) -> HitAndRunCase:
    suspect = Suspect(body.suspect.name, IdNumber.parse(body.suspect.id_number))
    return cases.apprehend(case_id, Plate.parse(body.plate), suspect, body.vehicle_seized, **command.kwargs())


@commands.on_case("/handover", NoFields)
def take_handover(cases: HitAndRunCases, case_id: UUID, body: NoFields, command: Command) -> HitAndRunCase:
    return cases.take_handover(case_id, **command.kwargs())


@commands.on_case("/solution", NoFields)
def solve(cases: HitAndRunCases, case_id: UUID, body: NoFields, command: Command) -> HitAndRunCase:
    """Withdraws the assistance request from exactly the provinces it went to."""
    return cases.solve(case_id, **command.kwargs())


@commands.on_case("/determination", DeterminationIn)
def determine(cases: HitAndRunCases, case_id: UUID, body: DeterminationIn, command: Command) -> HitAndRunCase:
    return cases.determine(case_id, body.outcome, body.points, **command.kwargs())


@commands.on_case("/interim-determination", InterimDeterminationIn)
def issue_interim_determination(
    cases: HitAndRunCases, case_id: UUID, body: InterimDeterminationIn, command: Command
) -> HitAndRunCase:
    """For the victim of a case still unsolved: what has been established so far."""
    return cases.issue_interim_determination(case_id, body.summary, **command.kwargs())
