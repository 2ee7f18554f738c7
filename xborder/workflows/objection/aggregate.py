"""ViolationObjection — 非现场违法异议与异地撤销 (157号令 Art 5, 19–22, 53, 67; 163号令 Art 16).

A camera-recorded violation belongs to the province that recorded it (发生地), which alone decides.
The party objects at any province's office (处理地); the objection is forwarded the same day, the
recording province reviews (5 working days from forwarding), may ask the handling province to collect
evidence, and upholds or dismisses. Upheld: the record is eliminated (3 working days) and a decided
penalty is revoked — points reversed, fine refunded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from xborder.domain import cases
from xborder.domain.actors import Actor, Role, office_itself
from xborder.domain.cases import Allowed, Awaited, CaseAggregate, DeadlinePolicy, awaited, require_text
from xborder.domain.errors import NotPermitted, RuleViolation, TransitionNotAllowed
from xborder.domain.money import Money
from xborder.domain.people import Person
from xborder.domain.plates import Plate
from xborder.domain.provinces import Province
from xborder.workflows.objection.terms import Term

HANDLING = "handling"
RECORDING = "recording"
# Who acts on an objection: the recording province's police decide, the handling province's collect
# evidence; the party (or the handling office for them) may withdraw.
_RECORDING_POLICE: Allowed = {Role.TRAFFIC_POLICE: (RECORDING,)}
_HANDLING_POLICE: Allowed = {Role.TRAFFIC_POLICE: (HANDLING,)}
_PARTY_OR_HANDLING: Allowed = {Role.OWNER: None, Role.TRAFFIC_POLICE: (HANDLING,)}


class ObjectionStatus(StrEnum):
    FORWARDED = "forwarded"
    UNDER_REVIEW = "under_review"
    EVIDENCE_REQUESTED = "evidence_requested"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"
    REFUNDED = "refunded"


OPEN_STATUSES = frozenset(
    {ObjectionStatus.FORWARDED, ObjectionStatus.UNDER_REVIEW, ObjectionStatus.EVIDENCE_REQUESTED}
)


class Ground(StrEnum):
    """157号令 Art 22: why a camera record may be wrong or excused."""

    EMERGENCY_VEHICLE = "emergency_vehicle"
    STOLEN_OR_CLONED = "stolen_or_cloned"
    RESCUE = "rescue"
    HANDLED_ON_SPOT = "handled_on_spot"
    CONFLICTING_SIGNALS = "conflicting_signals"
    UNCLEAR_EVIDENCE = "unclear_evidence"
    PLATE_MISREAD = "plate_misread"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Violation:
    """The camera record objected to, as the party states it: the recording province reviews it
    against its own record. A penalty already decided on it is revoked if the objection is upheld."""

    record_number: str
    plate: Plate
    occurred_at: datetime
    place: str
    code: str
    fine: Money
    points: int
    penalty_decided: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "record_number": self.record_number,
            "plate": self.plate.value,
            "occurred_at": self.occurred_at,
            "place": self.place,
            "code": self.code,
            "fine": self.fine.yuan,
            "points": self.points,
            "penalty_decided": self.penalty_decided,
        }


# The party objecting to the record (当事人): the driver, or the owner answering for the vehicle.
Party = Person


@dataclass(frozen=True, slots=True)
class ObjectionFiling:
    """A validated objection, as the API hands it to the domain."""

    recording: Province
    violation: Violation
    ground: Ground
    ground_detail: str
    police_report_number: str | None
    party: Party
    evidence: tuple[str, ...] = ()


class ViolationObjection(CaseAggregate):
    KIND = "objection"
    TERMINAL = frozenset({ObjectionStatus.DISMISSED, ObjectionStatus.WITHDRAWN})

    class ObjectionFiled(cases.OpeningEvent):
        handling: str
        recording: str
        violation: dict[str, Any]
        ground: str
        ground_detail: str
        police_report_number: str | None
        party: dict[str, str]
        evidence: list[str]

        def apply_to(self, o: ViolationObjection) -> None:
            o.handling = self.handling
            o.recording = self.recording
            o.plate = str(self.violation["plate"])
            o.fine = int(self.violation["fine"])
            o.points = int(self.violation["points"])
            o.penalty_decided = bool(self.violation["penalty_decided"])
            o.roles = {self.handling: HANDLING, self.recording: RECORDING}
            if self.actor["role"] == Role.OWNER:
                o.parties = {str(self.actor["sub"])}
            o.status = ObjectionStatus.FORWARDED

    class ObjectionForwarded(cases.CaseEvent):
        """转递: the handling province passes the objection to the recording one; review clock starts."""

    class ReviewStarted(cases.StatusEvent):
        STATUS = ObjectionStatus.UNDER_REVIEW

    class EvidenceRequested(cases.StatusEvent):
        STATUS = ObjectionStatus.EVIDENCE_REQUESTED
        request: str

    class EvidenceSupplied(cases.StatusEvent):
        STATUS = ObjectionStatus.UNDER_REVIEW
        evidence: list[str]
        note: str

    class ObjectionUpheld(cases.ReasonedStatusEvent):
        STATUS = ObjectionStatus.UPHELD

    class PenaltyRevoked(cases.CaseEvent):
        """撤销: the decided penalty falls with the record; points are reversed, the fine is owed back."""

        points_reversed: int
        fine_to_refund: int

        def apply_to(self, o: ViolationObjection) -> None:
            o.penalty_revoked = True

    class RecordEliminated(cases.CaseEvent):
        def apply_to(self, o: ViolationObjection) -> None:
            o.record_eliminated = True

    class RefundCompleted(cases.CaseEvent):
        amount: int

        def apply_to(self, o: ViolationObjection) -> None:
            o.refunded = self.amount
            o.status = ObjectionStatus.REFUNDED

    class ObjectionDismissed(cases.ReasonedStatusEvent):
        STATUS = ObjectionStatus.DISMISSED

    class ObjectionWithdrawn(cases.ReasonedStatusEvent):
        STATUS = ObjectionStatus.WITHDRAWN

    class ReviewOverdue(cases.DeadlineOverdue):
        DEADLINE = Term.OBJECTION_REVIEW

    class EliminationOverdue(cases.DeadlineOverdue):
        DEADLINE = Term.RECORD_ELIMINATION

    def __init__(self) -> None:
        super().__init__()
        self.handling = ""
        self.recording = ""
        self.plate = ""
        self.fine = 0
        self.points = 0
        self.penalty_decided = False
        self.penalty_revoked = False
        self.record_eliminated = False
        self.refunded: int | None = None

    @property
    def is_open(self) -> bool:
        """Open until decided or withdrawn: while open, the vehicle is held (no transfer)."""
        return self.status in OPEN_STATUSES

    def awaiting(self) -> list[Awaited]:
        """The recording province reviews and decides; the handling province collects evidence when
        asked. After upholding, the recording province still owes the elimination and, when a fine was
        revoked, its refund — a revoked warning (fine 0) leaves nothing to refund, and the refund
        command refuses then, so awaiting one would never clear."""
        police = Role.TRAFFIC_POLICE.value
        if self.status == ObjectionStatus.FORWARDED:
            return [awaited(self.recording, police, "start_review", Term.OBJECTION_REVIEW)]
        if self.status == ObjectionStatus.UNDER_REVIEW:
            return [awaited(self.recording, police, "decide", Term.OBJECTION_REVIEW)]
        if self.status == ObjectionStatus.EVIDENCE_REQUESTED:
            return [awaited(self.handling, police, "supply_evidence", None)]
        items: list[Awaited] = []
        upheld = self.status in (ObjectionStatus.UPHELD, ObjectionStatus.REFUNDED)
        if upheld and not self.record_eliminated:
            items.append(awaited(self.recording, police, "eliminate_record", Term.RECORD_ELIMINATION))
        if self.status == ObjectionStatus.UPHELD and self.penalty_revoked and self.fine > 0:
            items.append(awaited(self.recording, police, "refund_fine", None))
        return items

    # ------------------------------------------------------------------ commands
    @classmethod
    def file(
        cls,
        filing: ObjectionFiling,
        *,
        actor: Actor,
        at: datetime,
        policy: DeadlinePolicy,
        case_id: UUID | None = None,
    ) -> ViolationObjection:
        """ObjectionFiled at the caller's province, and ObjectionForwarded to the recording province the
        same moment (the same day, as 157号令 requires), which starts its 5-working-day review clock."""
        if actor.role not in (Role.OWNER, Role.TRAFFIC_POLICE):
            raise NotPermitted(f"role {actor.role.value} may not file a violation objection")
        if actor.province is None:
            raise NotPermitted("an objection is filed at a province's office: the caller has no province")
        handling = actor.province
        recording = filing.recording.code
        if handling == recording:
            raise RuleViolation(
                f"the violation was recorded in {filing.recording.name}, the province you act for: "
                "object there directly, this service handles objections across provinces",
                code="objection.same_province",
                field="recording_province",
            )
        _check_ground(filing)
        violation = filing.violation
        future = "the violation cannot have happened after the objection"
        cases.require_past(
            violation.occurred_at,
            at,
            future,
            code="violation.occurred_in_future",
            field="violation.occurred_at",
        )
        if violation.points not in cases.VALID_POINTS:
            raise RuleViolation(
                f"a violation carries 0, 1, 3, 6, 9 or 12 points (163号令), not {violation.points}",
                code="violation.points_invalid",
                field="violation.points",
            )
        require_text(violation.record_number, "violation.record_number")
        provinces = [handling, recording]
        objection = cls.open_case(
            cls.ObjectionFiled,
            actor,
            at,
            case_id=case_id,
            provinces=provinces,
            handling=handling,
            recording=recording,
            violation=violation.as_dict(),
            ground=filing.ground.value,
            ground_detail=filing.ground_detail.strip(),
            police_report_number=(filing.police_report_number or "").strip() or None,
            party=filing.party.as_dict(),
            evidence=list(filing.evidence),
        )
        forwarder = office_itself(handling)
        due = policy.due(Term.OBJECTION_REVIEW, provinces, at)
        objection.record(cls.ObjectionForwarded, forwarder, at, opens={Term.OBJECTION_REVIEW: due})
        return objection

    def start_review(self, *, actor: Actor, at: datetime) -> None:
        self.guard(actor, _RECORDING_POLICE, "start reviewing", ObjectionStatus.FORWARDED)
        self.record(self.ReviewStarted, actor, at)

    def request_evidence(self, request: str, *, actor: Actor, at: datetime) -> None:
        """The recording province asks the handling province to collect evidence; the review clock runs
        on (157号令 sets no pause for it)."""
        self.guard(actor, _RECORDING_POLICE, "request evidence for", ObjectionStatus.UNDER_REVIEW)
        require_text(request, "request")
        self.record(self.EvidenceRequested, actor, at, request=request.strip())

    def supply_evidence(self, evidence: Sequence[str], note: str, *, actor: Actor, at: datetime) -> None:
        self.guard(actor, _HANDLING_POLICE, "supply evidence for", ObjectionStatus.EVIDENCE_REQUESTED)
        refs = [e.strip() for e in evidence if e.strip()]
        if not refs and not note.strip():
            raise RuleViolation(
                "supply evidence references or a note", code="evidence.empty", field="evidence"
            )
        self.record(self.EvidenceSupplied, actor, at, evidence=refs, note=note.strip())

    def decide(
        self, upheld: bool, reason: str, *, actor: Actor, at: datetime, policy: DeadlinePolicy
    ) -> None:
        """Only the recording province decides. Upheld: the record must be eliminated within 3 working
        days and a decided penalty is revoked at once (points reversed, fine owed back)."""
        under_review = (ObjectionStatus.UNDER_REVIEW, ObjectionStatus.EVIDENCE_REQUESTED)
        self.guard(actor, _RECORDING_POLICE, "decide", *under_review)
        require_text(reason, "reason")
        closes = [Term.OBJECTION_REVIEW]
        if not upheld:
            self.record(self.ObjectionDismissed, actor, at, reason=reason.strip(), closes=closes)
            return
        opens = {Term.RECORD_ELIMINATION: policy.due(Term.RECORD_ELIMINATION, self.provinces, at)}
        self.record(self.ObjectionUpheld, actor, at, reason=reason.strip(), closes=closes, opens=opens)
        if self.penalty_decided:
            self.record(self.PenaltyRevoked, actor, at, points_reversed=self.points, fine_to_refund=self.fine)

    def eliminate_record(self, *, actor: Actor, at: datetime) -> None:
        """消除: the recording province removes the camera record from its system."""
        upheld = (ObjectionStatus.UPHELD, ObjectionStatus.REFUNDED)
        self.guard(actor, _RECORDING_POLICE, "eliminate the record of", *upheld)
        if self.record_eliminated:
            raise TransitionNotAllowed("the record is already eliminated")
        self.record(self.RecordEliminated, actor, at, closes=[Term.RECORD_ELIMINATION])

    def complete_refund(self, amount: Money, *, actor: Actor, at: datetime) -> None:
        """The fine paid is returned. What was paid is at most the fine plus the late-payment surcharge,
        and the surcharge never exceeds the fine (行政处罚法 Art 72): so at most twice the fine."""
        self.guard(actor, _RECORDING_POLICE, "refund", ObjectionStatus.UPHELD)
        if not self.penalty_revoked:
            raise TransitionNotAllowed(
                "no penalty was decided for this violation: there is nothing to refund"
            )
        if amount.yuan <= 0 or amount.yuan > 2 * self.fine:
            raise RuleViolation(
                f"a refund must be more than ¥0 and at most twice the fine (¥{2 * self.fine:,})",
                code="refund.amount_invalid",
                field="amount",
            )
        self.record(self.RefundCompleted, actor, at, amount=amount.yuan)

    def withdraw(self, reason: str, *, actor: Actor, at: datetime) -> None:
        """The party withdraws before a decision (in person at the handling office, or online)."""
        self.guard(actor, _PARTY_OR_HANDLING, "withdraw", *OPEN_STATUSES)
        self.record(self.ObjectionWithdrawn, actor, at, reason=reason.strip(), closes=list(self.deadlines))


def _check_ground(filing: ObjectionFiling) -> None:
    if filing.ground is Ground.STOLEN_OR_CLONED and not (filing.police_report_number or "").strip():
        raise RuleViolation(
            "an objection because the vehicle was stolen or its plate cloned (套牌) needs the police "
            "report number (报案回执号) of that report",
            code="objection.police_report_required",
            field="police_report_number",
        )
    if filing.ground is Ground.OTHER and not filing.ground_detail.strip():
        raise RuleViolation(
            "an objection on 'other' grounds must say what they are",
            code="objection.ground_detail_required",
            field="ground_detail",
        )
