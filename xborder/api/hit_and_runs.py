"""/v1/hit-and-runs — 交通肇事逃逸协查: one province asks, many respond (一地提请, 多地响应)."""

from __future__ import annotations

from typing import Annotated, Self
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from xborder.api.auth import ActorDep
from xborder.api.deps import application
from xborder.api.fields import IdNumberStr, Name, PlateStr, ProvinceCode, StrictBody, Text
from xborder.api.http_commands import run_command
from xborder.api.routes import CommandResult, EmptyBody, NoFields, add_read_routes, now
from xborder.domain.hit_and_run.aggregate import (
    HitAndRunStatus,
    Incident,
    Outcome,
    Place,
    Suspect,
    SuspectVehicle,
)
from xborder.domain.hit_and_run.application import HitAndRunCases
from xborder.domain.id_numbers import IdNumber
from xborder.domain.plates import Plate, parse_plate_partial

router = APIRouter(prefix="/v1/hit-and-runs", tags=["hit-and-run investigation (逃逸协查)"])
Cases = Annotated[HitAndRunCases, Depends(application(HitAndRunCases))]
KIND = "hit_and_run"
add_read_routes(router, KIND, HitAndRunStatus)

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


@router.post("", status_code=201, response_model=CommandResult)
def open_case(body: CaseIn, request: Request, actor: ActorDep, cases: Cases) -> JSONResponse:
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
    return run_command(
        request,
        actor,
        body,
        lambda o: cases.open_case(incident, actor=actor, at=now(request), save_with=o.save_with),
        created=True,
    )


@router.post("/{case_id}/assistance-requests", response_model=CommandResult)
def request_assistance(
    case_id: UUID, body: AssistanceRequestIn, request: Request, actor: ActorDep, cases: Cases
) -> JSONResponse:
    """The 协查通报 to (more) target provinces; each sees the case from now on."""
    return run_command(
        request,
        actor,
        body,
        lambda o: cases.request_assistance(
            case_id, body.targets, body.ack_within_hours, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/acknowledgements", response_model=CommandResult)
def acknowledge(
    case_id: UUID, request: Request, actor: ActorDep, cases: Cases, body: EmptyBody = None
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body or NoFields(),
        lambda o: cases.acknowledge(case_id, actor=actor, at=now(request), **o.kwargs()),
    )


@router.post("/{case_id}/clues", response_model=CommandResult)
def report_clue(case_id: UUID, body: ClueIn, request: Request, actor: ActorDep, cases: Cases) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: cases.report_clue(
            case_id, body.hit, body.details, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/apprehension", response_model=CommandResult)
def apprehend(
    case_id: UUID, body: ApprehensionIn, request: Request, actor: ActorDep, cases: Cases
) -> JSONResponse:
    suspect = Suspect(body.suspect.name, IdNumber.parse(body.suspect.id_number))
    return run_command(
        request,
        actor,
        body,
        lambda o: cases.apprehend(
            case_id,
            Plate.parse(body.plate),
            suspect,
            body.vehicle_seized,
            actor=actor,
            at=now(request),
            **o.kwargs(),
        ),
    )


@router.post("/{case_id}/handover", response_model=CommandResult)
def take_handover(
    case_id: UUID, request: Request, actor: ActorDep, cases: Cases, body: EmptyBody = None
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body or NoFields(),
        lambda o: cases.take_handover(case_id, actor=actor, at=now(request), **o.kwargs()),
    )


@router.post("/{case_id}/solution", response_model=CommandResult)
def solve(
    case_id: UUID, request: Request, actor: ActorDep, cases: Cases, body: EmptyBody = None
) -> JSONResponse:
    """Withdraws the assistance request from exactly the provinces it went to."""
    return run_command(
        request,
        actor,
        body or NoFields(),
        lambda o: cases.solve(case_id, actor=actor, at=now(request), **o.kwargs()),
    )


@router.post("/{case_id}/determination", response_model=CommandResult)
def determine(
    case_id: UUID, body: DeterminationIn, request: Request, actor: ActorDep, cases: Cases
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: cases.determine(
            case_id, body.outcome, body.points, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/interim-determination", response_model=CommandResult)
def issue_interim_determination(
    case_id: UUID, body: InterimDeterminationIn, request: Request, actor: ActorDep, cases: Cases
) -> JSONResponse:
    """For the victim of a case still unsolved: what has been established so far."""
    return run_command(
        request,
        actor,
        body,
        lambda o: cases.issue_interim_determination(
            case_id, body.summary, actor=actor, at=now(request), **o.kwargs()
        ),
    )
