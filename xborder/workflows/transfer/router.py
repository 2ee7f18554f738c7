"""/v1/transfers — 跨省转籍: the owner applies at the destination; origin and destination act in turn."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

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
from xborder.api.routes import CaseCommands, Command, add_read_routes
from xborder.domain.id_numbers import IdNumber
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate
from xborder.domain.provinces import province_by_code
from xborder.domain.vins import Vin
from xborder.workflows.transfer.aggregate import (
    Mortgagee,
    Owner,
    RefusalReason,
    TransferRequest,
    TransferStatus,
    VehicleTransfer,
)
from xborder.workflows.transfer.application import VehicleTransfers

router = APIRouter(prefix="/v1/transfers", tags=["vehicle transfers (跨省转籍)"])
KIND = "transfer"
add_read_routes(router, KIND, TransferStatus)
commands = CaseCommands(router, VehicleTransfers)


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


@commands.opening(TransferIn)
def apply_for_transfer(transfers: VehicleTransfers, body: TransferIn, command: Command) -> VehicleTransfer:
    """Apply at the destination; the archive request to the origin follows automatically."""
    form = TransferRequest(
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
    return transfers.apply_for(form, **command.kwargs())


@commands.on_case("/archive-release", ArchiveReleaseIn)
def release_archive(
    transfers: VehicleTransfers, case_id: UUID, body: ArchiveReleaseIn, command: Command
) -> VehicleTransfer:
    return transfers.release_archive(case_id, body.archive_ref, **command.kwargs())


@commands.on_case("/refusal", RefusalIn)
def refuse_transfer(
    transfers: VehicleTransfers, case_id: UUID, body: RefusalIn, command: Command
) -> VehicleTransfer:
    return transfers.refuse(case_id, [r.value for r in body.reasons], body.detail, **command.kwargs())


@commands.on_case("/archive-verification", ArchiveVerificationIn)
def verify_archive(
    transfers: VehicleTransfers, case_id: UUID, body: ArchiveVerificationIn, command: Command
) -> VehicleTransfer:
    return transfers.verify_archive(case_id, body.accepted, body.reason, **command.kwargs())


@commands.on_case("/inspection", InspectionIn)
def inspect_vehicle(
    transfers: VehicleTransfers, case_id: UUID, body: InspectionIn, command: Command
) -> VehicleTransfer:
    return transfers.inspect(case_id, body.passed, body.reasons, body.evidence, **command.kwargs())


@commands.on_case("/registration", RegistrationIn)
def register_vehicle(
    transfers: VehicleTransfers, case_id: UUID, body: RegistrationIn, command: Command
) -> VehicleTransfer:
    return transfers.register(case_id, Plate.parse(body.new_plate), **command.kwargs())


@commands.on_case("/withdrawal", WithdrawalIn)
def withdraw_transfer(
    transfers: VehicleTransfers, case_id: UUID, body: WithdrawalIn, command: Command
) -> VehicleTransfer:
    return transfers.withdraw(case_id, body.reason, **command.kwargs())
