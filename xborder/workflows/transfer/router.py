"""/v1/transfers — 跨省转籍: the owner applies at the destination; origin and destination act in turn."""

from __future__ import annotations

from pydantic import Field

from xborder.api.fields import (
    Name,
    PersonIn,
    PlateStr,
    ProvinceCode,
    Ref,
    StrictBody,
    Text,
    VinStr,
    WithdrawalIn,
)
from xborder.api.routes import CaseCommands, Command
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

commands = CaseCommands(
    VehicleTransfers,
    "/v1/transfers",
    "vehicle transfers (跨省转籍)",
    kind="transfer",
    statuses=TransferStatus,
)
router = commands.router


class OwnerIn(PersonIn):
    pass  # its own name, the OpenAPI schema's (`OwnerIn`)


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


@commands.opening(TransferIn)
def apply_for_transfer(transfers: VehicleTransfers, body: TransferIn, command: Command) -> VehicleTransfer:
    """Apply at the destination; the archive request to the origin follows automatically."""
    form = TransferRequest(
        plate=Plate.parse_civilian(body.plate),
        vin=Vin.parse(body.vin),
        vehicle_type=body.vehicle_type,
        use=body.use,
        owner=body.owner.as_(Owner),
        destination=province_by_code(body.destination_province),
        destination_city=body.destination_city,
        residence_proof=body.residence_proof,
        mortgaged=body.mortgaged,
        mortgagee=Mortgagee(body.mortgagee.name, body.mortgagee.consent_ref) if body.mortgagee else None,
    )
    return transfers.apply_for(form, **command.kwargs())


@commands.body_of("/archive-release", VehicleTransfers.release_archive)
class ArchiveReleaseIn(StrictBody):
    archive_ref: Ref


def _reason_codes(reasons: list[RefusalReason]) -> list[str]:
    """The Application takes the reasons as the codes the refusal records, not as the enum."""
    return [r.value for r in reasons]


@commands.body_of(
    "/refusal", VehicleTransfers.refuse, name="refuse_transfer", convert={"reasons": _reason_codes}
)
class RefusalIn(StrictBody):
    reasons: list[RefusalReason] = Field(min_length=1, max_length=6)
    detail: Text = ""


@commands.body_of("/archive-verification", VehicleTransfers.verify_archive)
class ArchiveVerificationIn(StrictBody):
    accepted: bool
    reason: Text = ""


@commands.body_of("/inspection", VehicleTransfers.inspect, name="inspect_vehicle")
class InspectionIn(StrictBody):
    passed: bool
    reasons: list[Text] = Field(default_factory=list, max_length=50)
    evidence: list[Ref] = Field(default_factory=list, max_length=50)


@commands.body_of(
    "/registration",
    VehicleTransfers.register,
    name="register_vehicle",
    # Only a civilian series is moved between provinces (GA 36-2018: 警, 使, 领, 学, 港/澳 are not).
    convert={"new_plate": lambda value: Plate.parse_civilian(value, field="new_plate")},
)
class RegistrationIn(StrictBody):
    new_plate: PlateStr


commands.on_case("/withdrawal", VehicleTransfers.withdraw, WithdrawalIn, name="withdraw_transfer")
