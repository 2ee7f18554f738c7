"""/v1/transfers — 跨省转籍: the owner applies at the destination; origin and destination act in turn."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from xborder.api.auth import ActorDep
from xborder.api.deps import application
from xborder.api.fields import (
    IdNumberStr,
    Name,
    PhoneStr,
    PlateStr,
    ProvinceCode,
    Ref,
    StrictBody,
    Text,
    VinStr,
)
from xborder.api.http_commands import run_command
from xborder.api.routes import CommandResult, add_read_routes, now
from xborder.domain.id_numbers import IdNumber
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate
from xborder.domain.provinces import province_by_code
from xborder.domain.transfer.aggregate import (
    Mortgagee,
    Owner,
    RefusalReason,
    TransferApplication,
    TransferStatus,
)
from xborder.domain.transfer.application import VehicleTransfers
from xborder.domain.vins import Vin

router = APIRouter(prefix="/v1/transfers", tags=["vehicle transfers (跨省转籍)"])
Transfers = Annotated[VehicleTransfers, Depends(application(VehicleTransfers))]
KIND = "transfer"
add_read_routes(router, KIND, TransferStatus)


class OwnerIn(StrictBody):
    name: Name
    id_number: IdNumberStr
    phone: PhoneStr


class MortgageeIn(StrictBody):
    name: Name
    consent_ref: Ref


class TransferIn(StrictBody):
    plate: PlateStr
    vin: VinStr
    vehicle_type: str = Field(examples=["small_passenger"], max_length=40)
    use: str = Field(examples=["non_commercial"], max_length=40)
    owner: OwnerIn
    destination_province: ProvinceCode
    destination_city: Name
    residence_proof: Ref
    mortgaged: bool = Field(
        default=False, description="the vehicle is mortgaged (抵押); then `mortgagee` is required"
    )
    mortgagee: MortgageeIn | None = None


class ArchiveReleaseIn(StrictBody):
    archive_ref: Ref


class RefusalIn(StrictBody):
    reasons: list[RefusalReason] = Field(min_length=1, max_length=6)
    detail: Text = ""


class ArchiveVerificationIn(StrictBody):
    accepted: bool
    reason: Text = ""


class InspectionIn(StrictBody):
    passed: bool
    reasons: list[Text] = Field(default_factory=list, max_length=50)
    evidence: list[Ref] = Field(default_factory=list, max_length=50)


class RegistrationIn(StrictBody):
    new_plate: PlateStr


class WithdrawalIn(StrictBody):
    reason: Text = ""


@router.post("", status_code=201, response_model=CommandResult)
def apply_for_transfer(
    body: TransferIn, request: Request, actor: ActorDep, transfers: Transfers
) -> JSONResponse:
    """Apply at the destination; the archive request to the origin follows automatically."""
    application = TransferApplication(
        plate=Plate.parse(body.plate),
        vin=Vin.parse(body.vin),
        vehicle_type=body.vehicle_type,
        use=body.use,
        owner=Owner(body.owner.name, IdNumber.parse(body.owner.id_number), Phone.parse(body.owner.phone)),
        destination=province_by_code(body.destination_province),
        destination_city=body.destination_city,
        residence_proof=body.residence_proof,
        mortgaged=body.mortgaged,
        mortgagee=Mortgagee(body.mortgagee.name, body.mortgagee.consent_ref) if body.mortgagee else None,
    )
    return run_command(
        request,
        actor,
        body,
        lambda o: transfers.apply_for(application, actor=actor, at=now(request), save_with=o.save_with),
        created=True,
    )


@router.post("/{case_id}/archive-release", response_model=CommandResult)
def release_archive(
    case_id: UUID, body: ArchiveReleaseIn, request: Request, actor: ActorDep, transfers: Transfers
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: transfers.release_archive(
            case_id, body.archive_ref, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/refusal", response_model=CommandResult)
def refuse_transfer(
    case_id: UUID, body: RefusalIn, request: Request, actor: ActorDep, transfers: Transfers
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: transfers.refuse(
            case_id, [r.value for r in body.reasons], body.detail, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/archive-verification", response_model=CommandResult)
def verify_archive(
    case_id: UUID, body: ArchiveVerificationIn, request: Request, actor: ActorDep, transfers: Transfers
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: transfers.verify_archive(
            case_id, body.accepted, body.reason, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/inspection", response_model=CommandResult)
def inspect_vehicle(
    case_id: UUID, body: InspectionIn, request: Request, actor: ActorDep, transfers: Transfers
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: transfers.inspect(
            case_id, body.passed, body.reasons, body.evidence, actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/registration", response_model=CommandResult)
def register_vehicle(
    case_id: UUID, body: RegistrationIn, request: Request, actor: ActorDep, transfers: Transfers
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: transfers.register(
            case_id, Plate.parse(body.new_plate), actor=actor, at=now(request), **o.kwargs()
        ),
    )


@router.post("/{case_id}/withdrawal", response_model=CommandResult)
def withdraw_transfer(
    case_id: UUID, body: WithdrawalIn, request: Request, actor: ActorDep, transfers: Transfers
) -> JSONResponse:
    return run_command(
        request,
        actor,
        body,
        lambda o: transfers.withdraw(case_id, body.reason, actor=actor, at=now(request), **o.kwargs()),
    )
