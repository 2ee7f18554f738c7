"""What other provinces receive of a 跨省转籍 case: the declared `data` of each VehicleTransfer event.

Field names and JSON shapes are the published contract (`docs/asyncapi.yaml`); the stored events may
change shape only together with an upcaster that keeps these. Province fields hold 6-digit codes.
"""

from __future__ import annotations

from typing import Final

from xborder.infra.contracts import DeadlinePassed, EventData, NestedData, ReachablePersonData, ReasonGiven
from xborder.workflows.transfer.aggregate import RefusalReason


class TransferOwner(ReachablePersonData):
    """The registered owner applying for the transfer (personal data: masked by readers)."""


class TransferMortgagee(NestedData):
    """The mortgagee (抵押权人) co-applying for a mortgaged vehicle, and its consent."""

    name: str
    consent_ref: str


class TransferApplied(EventData):
    """The owner applied at the destination office to move the car's registration from `origin` (the
    province of its current plate) to `destination`. Opens the case."""

    plate: str
    vin: str
    vehicle_type: str
    use: str
    owner: TransferOwner
    origin: str
    destination: str
    destination_city: str
    residence_proof: str
    mortgagee: TransferMortgagee | None


class ArchiveRequested(EventData):
    """The destination asked the origin for the vehicle's electronic archive; the origin's
    `archive_release` clock starts."""


class ArchiveReleased(EventData):
    """The origin released the electronic archive (`archive_ref`) to the destination."""

    archive_ref: str


class TransferRefused(EventData):
    """The origin refused to release the archive, for the listed reasons. Ends the case."""

    reasons: list[RefusalReason]
    detail: str


class ArchiveVerified(ReasonGiven):
    """The destination checked the released archive and accepted it."""


class ArchiveRejected(ReasonGiven):
    """The destination checked the released archive and rejected it. Ends the case."""


class VehicleInspected(EventData):
    """The destination inspected the vehicle (查验); a failed inspection may be repeated."""

    passed: bool
    reasons: list[str]
    evidence: list[str]


class TransferRegistered(EventData):
    """The destination registered the car under `new_plate` of its own province. Ends the case."""

    new_plate: str
    old_plate: str


class TransferWithdrawn(ReasonGiven):
    """The owner (or the destination office for them) withdrew the application. Ends the case."""


class ArchiveReleaseOverdue(DeadlinePassed):
    """The origin did not release or refuse the archive in time; the case stays open."""


class ArchiveVerificationOverdue(DeadlinePassed):
    """The destination did not verify the released archive in time; the case stays open."""


class RegistrationOverdue(DeadlinePassed):
    """The destination did not register the inspected vehicle in time; the case stays open."""


class TransferLapsed(DeadlinePassed):
    """30 calendar days passed after the archive release without registration (164号令). Ends the
    case."""


# Every `EventData` class above, in the order declared.
EVENT_SCHEMAS: Final = EventData.declared_in(__name__)
