"""VehicleTransfer — 非营运小客车跨省转籍 (公安部令164号 Art 16, 18, 21, 25–27, 32, 54, 73–76).

The owner applies at the destination (转入地); the origin (转出地, the province of the current plate)
releases the electronic archive or refuses; the destination verifies it, inspects the vehicle and
registers it under a plate of its own province. Event topics come from the class names, not from this
module, so moving it never orphans stored events; change an event's shape only with `class_version` and
an upcaster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from xborder.domain import cases
from xborder.domain.actors import Actor, Role, office_itself
from xborder.domain.cases import Allowed, Awaited, CaseAggregate, DeadlinePolicy, awaited, require_text
from xborder.domain.errors import NotPermitted, RuleViolation, VehicleBlocked
from xborder.domain.holds import VehicleHold
from xborder.domain.people import Person
from xborder.domain.plates import Plate
from xborder.domain.provinces import Province
from xborder.domain.vins import Vin
from xborder.workflows.transfer.terms import Term

ORIGIN = "origin"
DESTINATION = "destination"
# Who acts on a transfer: each province's vehicle administration for its side; the owner may withdraw.
_ORIGIN_OFFICE: Allowed = {Role.VEHICLE_ADMIN: (ORIGIN,)}
_DESTINATION_OFFICE: Allowed = {Role.VEHICLE_ADMIN: (DESTINATION,)}
_OWNER_OR_DESTINATION: Allowed = {Role.OWNER: None, Role.VEHICLE_ADMIN: (DESTINATION,)}


class TransferStatus(StrEnum):
    ARCHIVE_REQUESTED = "archive_requested"
    ARCHIVE_RELEASED = "archive_released"
    ARCHIVE_VERIFIED = "archive_verified"
    INSPECTED = "inspected"
    REGISTERED = "registered"
    REFUSED = "refused"
    ARCHIVE_REJECTED = "archive_rejected"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"


class RefusalReason(StrEnum):
    UNRESOLVED_VIOLATIONS = "unresolved_violations"
    UNRESOLVED_ACCIDENT = "unresolved_accident"
    SEALED_OR_SEIZED = "sealed_or_seized"
    STOLEN = "stolen"
    NEAR_SCRAPPING = "near_scrapping"
    INVALID_DOCUMENTS = "invalid_documents"


# GA 802 vehicle types the API accepts; only the first two may be transferred on application at the
# destination alone (164号令 Art 16-18 as amended: 小型、微型非营运载客汽车).
VEHICLE_TYPES = (
    "small_passenger",
    "mini_passenger",
    "medium_passenger",
    "large_passenger",
    "heavy_truck",
    "medium_truck",
    "light_truck",
    "mini_truck",
    "tractor",
    "trailer",
    "special_purpose",
    "motorcycle",
    "low_speed_truck",
    "wheeled_machinery",
)
ELIGIBLE_VEHICLE_TYPES = frozenset({"small_passenger", "mini_passenger"})
USES = ("non_commercial", "commercial")


# The registered owner (机动车所有人) applying for the transfer.
Owner = Person


@dataclass(frozen=True, slots=True)
class Mortgagee:
    name: str
    consent_ref: str


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """The owner's request to move the registration (申请表), validated, as the API hands it to the
    domain. Not called an application: that word is the eventsourcing Application's."""

    plate: Plate
    vin: Vin
    vehicle_type: str
    use: str
    owner: Owner
    destination: Province
    destination_city: str
    residence_proof: str
    mortgaged: bool = False
    mortgagee: Mortgagee | None = None


def blocked_error(holds: Sequence[VehicleHold]) -> VehicleBlocked:
    """Refused while any case holds the vehicle; which cases, whose and why is for the API to show
    to those who may see them — the message itself names only their kinds."""
    kinds = ", ".join(sorted({h.kind for h in holds}))
    return VehicleBlocked(
        f"the vehicle is held by an open case ({kinds}); it cannot be transferred", holds=holds
    )


class VehicleTransfer(CaseAggregate):
    KIND = "transfer"
    TERMINAL = frozenset(
        {
            TransferStatus.REGISTERED,
            TransferStatus.REFUSED,
            TransferStatus.ARCHIVE_REJECTED,
            TransferStatus.WITHDRAWN,
            TransferStatus.LAPSED,
        }
    )

    class TransferApplied(cases.OpeningEvent):
        plate: str
        vin: str
        vehicle_type: str
        use: str
        owner: dict[str, str]
        origin: str
        destination: str
        destination_city: str
        residence_proof: str
        mortgagee: dict[str, str] | None

        def apply_to(self, t: VehicleTransfer) -> None:
            t.plate = self.plate
            t.vin = self.vin
            t.origin = self.origin
            t.destination = self.destination
            t.roles = {self.origin: ORIGIN, self.destination: DESTINATION}
            t.parties = {str(self.actor["sub"])}
            t.status = TransferStatus.ARCHIVE_REQUESTED

    class ArchiveRequested(cases.CaseEvent):
        """The destination asks the origin for the vehicle's archive; its release clock starts here."""

    class ArchiveReleased(cases.CaseEvent):
        archive_ref: str

        def apply_to(self, t: VehicleTransfer) -> None:
            t.archive_ref = self.archive_ref
            t.status = TransferStatus.ARCHIVE_RELEASED

    class TransferRefused(cases.StatusEvent):
        STATUS = TransferStatus.REFUSED
        reasons: list[str]
        detail: str

    class ArchiveVerified(cases.ReasonedStatusEvent):
        STATUS = TransferStatus.ARCHIVE_VERIFIED

    class ArchiveRejected(cases.ReasonedStatusEvent):
        STATUS = TransferStatus.ARCHIVE_REJECTED

    class VehicleInspected(cases.CaseEvent):
        passed: bool
        reasons: list[str]
        evidence: list[str]

        def apply_to(self, t: VehicleTransfer) -> None:
            t.inspections += 1
            if self.passed:
                t.status = TransferStatus.INSPECTED

    class TransferRegistered(cases.CaseEvent):
        new_plate: str
        old_plate: str

        def apply_to(self, t: VehicleTransfer) -> None:
            t.new_plate = self.new_plate
            t.status = TransferStatus.REGISTERED

    class TransferWithdrawn(cases.ReasonedStatusEvent):
        STATUS = TransferStatus.WITHDRAWN

    class ArchiveReleaseOverdue(cases.DeadlineOverdue):
        DEADLINE = Term.ARCHIVE_RELEASE

    class ArchiveVerificationOverdue(cases.DeadlineOverdue):
        DEADLINE = Term.ARCHIVE_VERIFICATION

    class RegistrationOverdue(cases.DeadlineOverdue):
        DEADLINE = Term.REGISTRATION

    class TransferLapsed(cases.DeadlineOverdue, cases.StatusEvent):
        """30 calendar days after the archive release without registration (164号令)."""

        DEADLINE = Term.TRANSFER_LAPSE
        STATUS = TransferStatus.LAPSED

    def __init__(self) -> None:
        super().__init__()
        self.plate = ""
        self.vin = ""
        self.origin = ""
        self.destination = ""
        self.archive_ref: str | None = None
        self.new_plate: str | None = None
        self.inspections = 0

    # ------------------------------------------------------------------ commands
    @classmethod
    def apply_for(
        cls,
        form: TransferRequest,
        *,
        actor: Actor,
        at: datetime,
        policy: DeadlinePolicy,
        holds: Sequence[VehicleHold] = (),
        case_id: UUID | None = None,
    ) -> VehicleTransfer:
        """TransferApplied, then the automatic ArchiveRequested to the origin (2 working days)."""
        origin = form.plate.province
        destination = form.destination
        if actor.role is Role.VEHICLE_ADMIN:
            if actor.province != destination.code:
                raise NotPermitted(
                    "a vehicle administration office can only take applications for its own province",
                    field="destination_province",
                )
        elif actor.role is not Role.OWNER:
            raise NotPermitted(f"role {actor.role.value} may not apply for a transfer")
        if form.vehicle_type not in VEHICLE_TYPES:
            raise RuleViolation(
                f"unknown vehicle type '{form.vehicle_type}'",
                code="vehicle_type.invalid",
                field="vehicle_type",
            )
        if form.use not in USES:
            raise RuleViolation(f"unknown use '{form.use}'", code="use.invalid", field="use")
        if form.vehicle_type not in ELIGIBLE_VEHICLE_TYPES or form.use != "non_commercial":
            raise RuleViolation(
                "only small or mini non-commercial passenger cars (小型/微型非营运载客汽车) may be "
                "transferred on application at the destination alone; apply at the origin office",
                code="transfer.vehicle_not_eligible",
                field="vehicle_type" if form.vehicle_type not in ELIGIBLE_VEHICLE_TYPES else "use",
            )
        if origin.code == destination.code:
            raise RuleViolation(
                f"the plate {form.plate} is already of {destination.name}: "
                "a transfer within one province is not a cross-province transfer",
                code="transfer.same_province",
                field="destination_province",
            )
        if form.mortgaged and form.mortgagee is None:
            raise RuleViolation(
                "a mortgaged vehicle needs the mortgagee (抵押权人) to co-apply",
                code="transfer.mortgagee_required",
                field="mortgagee",
            )
        if holds:
            raise blocked_error(holds)

        provinces = [origin.code, destination.code]
        transfer = cls.open_case(
            cls.TransferApplied,
            actor,
            at,
            case_id=case_id,
            provinces=provinces,
            plate=form.plate.value,
            vin=form.vin.value,
            vehicle_type=form.vehicle_type,
            use=form.use,
            owner=form.owner.as_dict(),
            origin=origin.code,
            destination=destination.code,
            destination_city=form.destination_city,
            residence_proof=form.residence_proof,
            mortgagee=(
                {"name": form.mortgagee.name, "consent_ref": form.mortgagee.consent_ref}
                if form.mortgagee
                else None
            ),
        )
        requester = office_itself(destination.code)  # the archive request is the office's act
        due = policy.due(Term.ARCHIVE_RELEASE, provinces, at)
        transfer.record(cls.ArchiveRequested, requester, at, opens={Term.ARCHIVE_RELEASE: due})
        return transfer

    def release_archive(
        self,
        archive_ref: str,
        *,
        actor: Actor,
        at: datetime,
        policy: DeadlinePolicy,
        holds: Sequence[VehicleHold] = (),
    ) -> None:
        """The origin releases the electronic archive; holds are checked again at this moment."""
        self.guard(actor, _ORIGIN_OFFICE, "release the archive of", TransferStatus.ARCHIVE_REQUESTED)
        require_text(archive_ref, "archive_ref")
        if holds:
            raise blocked_error(holds)
        provinces = self.provinces
        opens = {
            Term.ARCHIVE_VERIFICATION: policy.due(Term.ARCHIVE_VERIFICATION, provinces, at),
            Term.TRANSFER_LAPSE: policy.due(Term.TRANSFER_LAPSE, provinces, at),
        }
        closes = [Term.ARCHIVE_RELEASE]
        self.record(
            self.ArchiveReleased, actor, at, archive_ref=archive_ref.strip(), opens=opens, closes=closes
        )

    def refuse(self, reasons: Sequence[str], detail: str, *, actor: Actor, at: datetime) -> None:
        self.guard(actor, _ORIGIN_OFFICE, "refuse", TransferStatus.ARCHIVE_REQUESTED)
        if not reasons:
            raise RuleViolation("a refusal needs at least one reason", code="refusal.reasons_required")
        unknown = [r for r in reasons if r not in set(RefusalReason)]
        if unknown:
            raise RuleViolation(
                f"unknown refusal reasons: {', '.join(unknown)}", code="refusal.reason_invalid"
            )
        self.record(
            self.TransferRefused,
            actor,
            at,
            reasons=sorted(set(reasons)),
            detail=detail.strip(),
            closes=[Term.ARCHIVE_RELEASE],
        )

    def verify_archive(self, accepted: bool, reason: str, *, actor: Actor, at: datetime) -> None:
        self.guard(actor, _DESTINATION_OFFICE, "verify the archive of", TransferStatus.ARCHIVE_RELEASED)
        if accepted:
            self.record(
                self.ArchiveVerified, actor, at, reason=reason.strip(), closes=[Term.ARCHIVE_VERIFICATION]
            )
        else:
            require_text(reason, "reason")
            closes = [Term.ARCHIVE_VERIFICATION, Term.TRANSFER_LAPSE]
            self.record(self.ArchiveRejected, actor, at, reason=reason.strip(), closes=closes)

    def inspect(
        self,
        passed: bool,
        reasons: Sequence[str],
        evidence: Sequence[str],
        *,
        actor: Actor,
        at: datetime,
        policy: DeadlinePolicy,
    ) -> None:
        """查验. A failed inspection keeps the case where it was, so the vehicle can be inspected again."""
        self.guard(actor, _DESTINATION_OFFICE, "inspect the vehicle of", TransferStatus.ARCHIVE_VERIFIED)
        clean_reasons = [r.strip() for r in reasons if r.strip()]
        if not passed and not clean_reasons:
            raise RuleViolation(
                "a failed inspection needs its reasons", code="inspection.reasons_required", field="reasons"
            )
        opens = {Term.REGISTRATION: policy.due(Term.REGISTRATION, self.provinces, at)} if passed else {}
        self.record(
            self.VehicleInspected,
            actor,
            at,
            passed=passed,
            reasons=clean_reasons,
            evidence=[e.strip() for e in evidence if e.strip()],
            opens=opens,
        )

    def register(self, new_plate: Plate, *, actor: Actor, at: datetime) -> None:
        self.guard(actor, _DESTINATION_OFFICE, "register", TransferStatus.INSPECTED)
        if new_plate.province.code != self.destination:
            raise RuleViolation(
                f"the new plate {new_plate} is not of the destination province; "
                "the destination issues a plate of its own province",
                code="plate.wrong_province",
                field="new_plate",
            )
        self.record(
            self.TransferRegistered,
            actor,
            at,
            new_plate=new_plate.value,
            old_plate=self.plate,
            closes=[Term.REGISTRATION, Term.TRANSFER_LAPSE],
        )

    def withdraw(self, reason: str, *, actor: Actor, at: datetime) -> None:
        """The owner may withdraw at any time before registration."""
        open_statuses = [s for s in TransferStatus if s not in self.TERMINAL]
        self.guard(actor, _OWNER_OR_DESTINATION, "withdraw", *open_statuses)
        self.record(self.TransferWithdrawn, actor, at, reason=reason.strip(), closes=list(self.deadlines))

    def closed_when_overdue(self, name: str) -> list[str]:
        """The 30-day lapse ends the case, and with it every clock; other overdue clocks stay open."""
        return list(self.deadlines) if name == Term.TRANSFER_LAPSE else []

    # ------------------------------------------------------------------ decisions
    def awaiting(self) -> list[Awaited]:
        """The office whose step it is: the origin until it releases the archive, then the destination
        (verification, inspection, registration). Nobody once the case has ended."""
        step = _NEXT_STEP.get(self.status)
        if step is None:
            return []
        side, action, deadline = step
        province = self.origin if side == ORIGIN else self.destination
        return [awaited(province, Role.VEHICLE_ADMIN.value, action, deadline)]


# Who acts next in each open status: (province role in the case, action, the deadline it answers).
_NEXT_STEP: dict[str, tuple[str, str, str | None]] = {
    TransferStatus.ARCHIVE_REQUESTED: (ORIGIN, "release_or_refuse_archive", Term.ARCHIVE_RELEASE),
    TransferStatus.ARCHIVE_RELEASED: (DESTINATION, "verify_archive", Term.ARCHIVE_VERIFICATION),
    TransferStatus.ARCHIVE_VERIFIED: (DESTINATION, "inspect_vehicle", None),
    TransferStatus.INSPECTED: (DESTINATION, "register_vehicle", Term.REGISTRATION),
}
