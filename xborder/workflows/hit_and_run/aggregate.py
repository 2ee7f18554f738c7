"""HitAndRunCase — 交通肇事逃逸协查: 一地提请, 多地响应 (146号令 Art 10–11, 43–49, 62, 66; 163号令 Art 8, 10).

The incident province opens the case and sends an assistance request (协查通报) to target provinces;
each target acknowledges within the agreed hours and reports clues. A target that catches the suspect
tells the incident province at once; the incident province takes custody, marks the case solved —
withdrawing the request from exactly the provinces it went to — and determines responsibility within
10 working days of the capture. The incident province may catch the suspect itself (it then has
custody already), amend the suspect vehicle (releasing a wrongly named plate), suspend an unsolved
case and reopen it; a victim's written request for an interim determination starts its own
10-working-day clock (146号令 Art 66). Points follow 163号令 Art 8 and 10, recorded with their basis.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from xborder.domain import cases
from xborder.domain.actors import Actor, Role
from xborder.domain.calendar import TimeLimit
from xborder.domain.cases import Allowed, Awaited, CaseAggregate, DeadlinePolicy, awaited, require_text
from xborder.domain.errors import NotPermitted, RuleViolation, TransitionNotAllowed
from xborder.domain.id_numbers import IdNumber
from xborder.domain.plates import Plate
from xborder.domain.provinces import province_by_code
from xborder.workflows.hit_and_run.terms import Term

INCIDENT = "incident"
TARGET = "target"
ACK_PREFIX = "assistance_ack:"
# Who acts on a hit-and-run case: the incident province's investigators run it, the targets' answer.
_INCIDENT_INVESTIGATORS: Allowed = {Role.INVESTIGATOR: (INCIDENT,)}
_TARGET_INVESTIGATORS: Allowed = {Role.INVESTIGATOR: (TARGET,)}
# A capture is recorded by whoever made it: a target answering the request, or the incident province.
_CAPTURING_INVESTIGATORS: Allowed = {Role.INVESTIGATOR: (INCIDENT, TARGET)}


def ack_deadline(province: str) -> str:
    """Each target has its own acknowledgement clock, named after it."""
    return f"{ACK_PREFIX}{province}"


class HitAndRunStatus(StrEnum):
    OPEN = "open"
    ASSISTANCE_REQUESTED = "assistance_requested"
    SUSPECT_APPREHENDED = "suspect_apprehended"
    HANDED_OVER = "handed_over"
    SOLVED = "solved"
    # An unsolved case set aside (leads exhausted): no clock runs, the suspect vehicle stays held.
    SUSPENDED = "suspended"
    CLOSED = "closed"
    TRANSFERRED_TO_CRIMINAL = "transferred_to_criminal"


class Outcome(StrEnum):
    CLOSED = "closed"
    CRIMINAL = "criminal"


# 163号令《道路交通安全违法行为记分管理办法》: the points a hit-and-run that is not a crime carries, and why.
POINTS_SERIOUS = 12
POINTS_MINOR = 6
BASIS_SERIOUS = (
    "163号令《道路交通安全违法行为记分管理办法》第八条第二项：造成致人轻伤以上或者死亡的交通事故后逃逸，"
    "尚不构成犯罪的，一次记12分"
)
BASIS_MINOR = (
    "163号令《道路交通安全违法行为记分管理办法》第十条第七项：造成致人轻微伤或者财产损失的交通事故后逃逸，"
    "尚不构成犯罪的，一次记6分"
)
BASIS_CRIMINAL = (
    "《道路交通安全法》第一百零一条：构成犯罪的依法追究刑事责任，逃逸者吊销机动车驾驶证且终生不得重新取得；"
    "记分只适用于尚不构成犯罪的违法行为（163号令），不记分"
)


def points_under_163(outcome: Outcome, points: int | None, *, dead: int) -> tuple[int, str]:
    """The points a determination carries and their legal basis (163号令 Art 8, 10).

    Not a crime: 12 points (Art 8 (2): someone was hurt beyond a minor injury, or died), the default;
    6 (Art 10 (7): a minor injury or property damage only) where the investigators establish so, never
    when someone died. A crime goes to criminal proceedings and carries no points (the licence is
    revoked for life, 道路交通安全法 Art 101). Any other number is refused, naming the rule."""
    if outcome is Outcome.CRIMINAL:
        if points not in (None, 0):
            raise RuleViolation(
                "a hit-and-run that is a crime carries no points (163号令 applies only to what is not a"
                " crime; the licence is revoked, 道路交通安全法 Art 101): give 0 or none",
                code="determination.points_invalid",
                field="points",
            )
        return 0, BASIS_CRIMINAL
    if points is None or points == POINTS_SERIOUS:
        return POINTS_SERIOUS, BASIS_SERIOUS
    if points == POINTS_MINOR and dead == 0:
        return POINTS_MINOR, BASIS_MINOR
    raise RuleViolation(
        "a hit-and-run that is not a crime carries 12 points (163号令 Art 8 (2)), or 6 when it caused only a"
        f" minor injury or property damage (Art 10 (7)), not {points}",
        code="determination.points_invalid",
        field="points",
    )


@dataclass(frozen=True, slots=True)
class Place:
    """Where the driver fled from: the road always, the kilometre post and coordinates when known
    (a caller on the roadside seldom knows them; a camera's record does)."""

    road: str
    km: float | None
    lat: float | None
    lon: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"road": self.road, "km": self.km, "lat": self.lat, "lon": self.lon}


@dataclass(frozen=True, slots=True)
class SuspectVehicle:
    plate: Plate | None
    plate_partial: str | None
    color: str
    model: str
    features: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "plate": self.plate.value if self.plate else None,
            "plate_partial": self.plate_partial,
            "color": self.color,
            "model": self.model,
            "features": self.features,
        }


@dataclass(frozen=True, slots=True)
class Incident:
    """What the incident province knows when it opens the case."""

    occurred_at: datetime
    place: Place
    dead: int
    injured: int
    suspect_vehicle: SuspectVehicle
    direction: str


@dataclass(frozen=True, slots=True)
class Suspect:
    name: str
    id_number: IdNumber


class HitAndRunCase(CaseAggregate):
    KIND = "hit_and_run"
    TERMINAL = frozenset({HitAndRunStatus.CLOSED, HitAndRunStatus.TRANSFERRED_TO_CRIMINAL})

    class CaseOpened(cases.OpeningEvent):
        incident: str
        occurred_at: datetime
        place: dict[str, Any]
        casualties: dict[str, int]
        suspect_vehicle: dict[str, Any]
        direction: str
        rescue_id: str | None

        def apply_to(self, c: HitAndRunCase) -> None:
            c.incident = self.incident
            c.roles = {self.incident: INCIDENT}
            c.suspect_plate = self.suspect_vehicle.get("plate")
            c.suspect_vehicle = dict(self.suspect_vehicle)
            c.dead = self.casualties["dead"]
            c.status = HitAndRunStatus.OPEN

    class AssistanceRequested(cases.CaseEvent):
        """协查通报 to the targets named here (new ones only; earlier targets stay targeted)."""

        targets: list[str]
        ack_within_hours: int

        def apply_to(self, c: HitAndRunCase) -> None:
            for code in self.targets:
                c.roles[code] = TARGET
                c.targets.append(code)
                c.ack_hours[code] = self.ack_within_hours
            # A target added after the capture joins a captured case: the status does not go back.
            if c.status == HitAndRunStatus.OPEN:
                c.status = HitAndRunStatus.ASSISTANCE_REQUESTED

    class AssistanceAcknowledged(cases.CaseEvent):
        target: str

        def apply_to(self, c: HitAndRunCase) -> None:
            c.acknowledged.add(self.target)

    class ClueReported(cases.CaseEvent):
        target: str
        hit: bool
        details: str

    class SuspectApprehended(cases.CaseEvent):
        """`target` names the province that caught the suspect: a target, or the incident province
        itself — which then has custody already, so the case is handed over at once."""

        target: str
        plate: str
        suspect: dict[str, str]
        vehicle_seized: bool

        def apply_to(self, c: HitAndRunCase) -> None:
            c.suspect_plate = self.plate
            c.apprehended_by = self.target
            c.interim_requested = False
            own = self.target == c.incident
            c.status = HitAndRunStatus.HANDED_OVER if own else HitAndRunStatus.SUSPECT_APPREHENDED

    class SuspectVehicleAmended(cases.CaseEvent):
        """The incident province corrected (or, for a case a rescue opened, filled in) the suspect
        vehicle; `released_plate` is the plate named before whose hold this lifts, with the `reason`."""

        suspect_vehicle: dict[str, Any]
        released_plate: str | None
        reason: str

        def apply_to(self, c: HitAndRunCase) -> None:
            c.suspect_vehicle = dict(self.suspect_vehicle)
            c.suspect_plate = self.suspect_vehicle.get("plate")

    class CaseSuspended(cases.ReasonedStatusEvent):
        """An unsolved case set aside: every clock stops (the assistance request is suspended with it)."""

        STATUS = HitAndRunStatus.SUSPENDED

    class CaseReopened(cases.CaseEvent):
        """A suspended case taken up again: back to where it was, the unanswered targets' clocks anew."""

        reason: str

        def apply_to(self, c: HitAndRunCase) -> None:
            c.status = HitAndRunStatus.ASSISTANCE_REQUESTED if c.targets else HitAndRunStatus.OPEN

    class InterimDeterminationRequested(cases.CaseEvent):
        """The victim's written request for a determination of an unsolved case (146号令 Art 66):
        `reference` is the request's; the incident province answers within 10 working days."""

        reference: str

        def apply_to(self, c: HitAndRunCase) -> None:
            c.interim_requested = True

    class HandoverCompleted(cases.StatusEvent):
        STATUS = HitAndRunStatus.HANDED_OVER

    class CaseSolved(cases.CaseEvent):
        """The assistance request is withdrawn from exactly the provinces it went to (按原范围撤销)."""

        withdrawn_from: list[str]

        def apply_to(self, c: HitAndRunCase) -> None:
            c.withdrawn = True
            c.status = HitAndRunStatus.SOLVED

    class ResponsibilityDetermined(cases.CaseEvent):
        """`legal_basis` says why the `points` (163号令 Art 8 or 10, or none for a crime); absent (None)
        on determinations recorded before it was (issue 12)."""

        outcome: str
        points: int
        legal_basis: str | None = None

    class CaseClosed(cases.StatusEvent):
        STATUS = HitAndRunStatus.CLOSED

    class TransferredToCriminal(cases.StatusEvent):
        STATUS = HitAndRunStatus.TRANSFERRED_TO_CRIMINAL

    class InterimDeterminationIssued(cases.CaseEvent):
        """For a victim of an unsolved case, the facts established so far (146号令 Art 66)."""

        summary: str

        def apply_to(self, c: HitAndRunCase) -> None:
            c.interim_requested = False

    class AcknowledgementOverdue(cases.DeadlineOverdue):
        DEADLINE = ACK_PREFIX

    class DeterminationOverdue(cases.DeadlineOverdue):
        DEADLINE = Term.DETERMINATION

    class InterimDeterminationOverdue(cases.DeadlineOverdue):
        DEADLINE = Term.INTERIM_DETERMINATION

    def __init__(self) -> None:
        super().__init__()
        self.incident = ""
        self.targets: list[str] = []
        self.acknowledged: set[str] = set()
        self.suspect_plate: str | None = None
        self.suspect_vehicle: dict[str, Any] = {}
        self.dead = 0
        self.ack_hours: dict[str, int] = {}  # each target's acknowledgement window, as requested
        self.apprehended_by: str | None = None
        self.withdrawn = False
        self.interim_requested = False  # a victim's request awaits its interim determination

    @property
    def is_open(self) -> bool:
        """Open until closed or handed to criminal proceedings: until then a known suspect plate is held."""
        return self.status not in self.TERMINAL

    @property
    def is_suspended(self) -> bool:
        return self.status == HitAndRunStatus.SUSPENDED

    def legal_hold(self) -> str | None:
        """A case handed to criminal proceedings (交通肇事逃逸, 刑法 Art. 133) keeps the suspect's data
        with the criminal file for as long as the prosecution may run (刑法 Art. 87)."""
        if self.status == HitAndRunStatus.TRANSFERRED_TO_CRIMINAL:
            return (
                f"hit_and_run case {self.id} was handed to criminal proceedings: its data is kept with the "
                "criminal file for the limitation period (刑法 Art. 87)"
            )
        return super().legal_hold()

    def awaiting(self) -> list[Awaited]:
        """Every target that has neither acknowledged nor been withdrawn from (by province code) while
        the case is not suspended, then the incident province: an interim determination a victim asked
        for, and its next step once the suspect is caught — all against the clocks they answer."""
        investigator = Role.INVESTIGATOR.value
        items = [
            awaited(code, investigator, "acknowledge_assistance", ack_deadline(code))
            for code in sorted(self.targets)
            if code not in self.acknowledged and not self.withdrawn and not self.is_suspended
        ]
        if self.interim_requested:
            items.append(
                awaited(
                    self.incident, investigator, "issue_interim_determination", Term.INTERIM_DETERMINATION
                )
            )
        action = _INCIDENT_NEXT.get(self.status)
        if action is not None:
            items.append(awaited(self.incident, investigator, action, Term.DETERMINATION))
        return items

    # ------------------------------------------------------------------ commands
    @classmethod
    def open(
        cls,
        incident: Incident,
        *,
        actor: Actor,
        at: datetime,
        rescue_id: str | None = None,
        case_id: UUID | None = None,
    ) -> HitAndRunCase:
        if actor.role is not Role.INVESTIGATOR and actor.role is not Role.SYSTEM:
            raise NotPermitted(f"role {actor.role.value} may not open a hit-and-run case")
        future = "the accident cannot have happened after the case is opened"
        cases.require_past(
            incident.occurred_at, at, future, code="incident.occurred_in_future", field="occurred_at"
        )
        if incident.dead < 0 or incident.injured < 0:
            raise RuleViolation(
                "casualty counts cannot be negative", code="casualties.invalid", field="casualties"
            )
        vehicle = incident.suspect_vehicle
        _require_described(vehicle)
        province = actor.province or ""
        return cls.open_case(
            cls.CaseOpened,
            actor,
            at,
            case_id=case_id,
            provinces=[province],
            incident=province,
            occurred_at=incident.occurred_at,
            place=incident.place.as_dict(),
            casualties={"dead": incident.dead, "injured": incident.injured},
            suspect_vehicle=vehicle.as_dict(),
            direction=incident.direction.strip(),
            rescue_id=rescue_id,
        )

    def request_assistance(
        self,
        targets: Sequence[str],
        ack_within_hours: int | None,
        *,
        actor: Actor,
        at: datetime,
        policy: DeadlinePolicy,
    ) -> None:
        """Send the 协查通报 to (more) target provinces. From this event on they see the case; each has
        its own acknowledgement clock. A request may tighten the zone's window, never loosen it."""
        before_solved = (
            HitAndRunStatus.OPEN,
            HitAndRunStatus.ASSISTANCE_REQUESTED,
            HitAndRunStatus.SUSPECT_APPREHENDED,
        )
        self.guard(actor, _INCIDENT_INVESTIGATORS, "request assistance for", *before_solved)
        new = _new_targets(targets, incident=self.incident, already=self.targets)
        provinces = [self.incident, *new]
        limit = policy.zones.limit(Term.ASSISTANCE_ACK, provinces)
        hours = limit.amount if ack_within_hours is None else ack_within_hours
        if not 1 <= hours <= limit.amount:
            raise RuleViolation(
                f"the acknowledgement window must be between 1 and {limit.amount} hours "
                "(the cooperation terms for these provinces)",
                code="assistance.ack_window_invalid",
                field="ack_within_hours",
            )
        opens = {ack_deadline(code): policy.calendar.due(at, TimeLimit(hours, "hours")) for code in new}
        self.record(
            self.AssistanceRequested, actor, at, targets=new, ack_within_hours=hours, opens=opens, joining=new
        )

    def acknowledge(self, *, actor: Actor, at: datetime) -> None:
        target = self._answering_target(actor)
        if target in self.acknowledged:
            raise TransitionNotAllowed("your province has already acknowledged this request")
        self.record(self.AssistanceAcknowledged, actor, at, target=target, closes=[ack_deadline(target)])

    def report_clue(self, hit: bool, details: str, *, actor: Actor, at: datetime) -> None:
        target = self._answering_target(actor)
        if target not in self.acknowledged:
            raise TransitionNotAllowed("acknowledge the assistance request before reporting clues")
        if hit and not details.strip():
            raise RuleViolation("a hit needs its details", code="clue.details_required", field="details")
        self.record(self.ClueReported, actor, at, target=target, hit=hit, details=details.strip())

    def apprehend(
        self,
        plate: Plate,
        suspect: Suspect,
        vehicle_seized: bool,
        *,
        actor: Actor,
        at: datetime,
        policy: DeadlinePolicy,
    ) -> None:
        """A target — or the incident province itself — caught the suspect (扣留车辆, 传唤): the incident
        province is told at once, and the 10-working-day clock for determining responsibility starts at
        the capture (146号令 Art 62), replacing an interim determination's clock if one ran. A target
        answers the assistance request, so it acts once the request went out; the incident province
        may catch the suspect before any request, and then has custody already (no handover)."""
        unsolved = (HitAndRunStatus.OPEN, HitAndRunStatus.ASSISTANCE_REQUESTED)
        self.guard(actor, _CAPTURING_INVESTIGATORS, "record an apprehension in", *unsolved)
        require_text(suspect.name, "suspect.name")
        due = policy.due(Term.DETERMINATION, self.provinces, at)
        self.record(
            self.SuspectApprehended,
            actor,
            at,
            target=actor.province or "",
            plate=plate.value,
            suspect={"name": suspect.name.strip(), "id_number": suspect.id_number.value},
            vehicle_seized=vehicle_seized,
            opens={Term.DETERMINATION: due},
            closes=[Term.INTERIM_DETERMINATION] if self.interim_requested else [],
        )

    def amend_suspect_vehicle(
        self, vehicle: SuspectVehicle, reason: str, *, actor: Actor, at: datetime
    ) -> None:
        """The incident province corrects the suspect vehicle — or fills it in, for a case a rescue opened
        before anyone could describe it. A plate named before and no longer named is released: its hold
        is lifted, and the `reason` stands in every involved province's history. Until the capture (the
        caught vehicle is the suspect vehicle from then on), suspended cases included: a wrongly held
        car must not wait for the case to be taken up again."""
        unsolved = (HitAndRunStatus.OPEN, HitAndRunStatus.ASSISTANCE_REQUESTED, HitAndRunStatus.SUSPENDED)
        self.guard(actor, _INCIDENT_INVESTIGATORS, "amend the suspect vehicle of", *unsolved)
        require_text(reason, "reason")
        _require_described(vehicle)
        described = vehicle.as_dict()
        if described == self.suspect_vehicle:
            raise RuleViolation(
                "the suspect vehicle is already described so",
                code="suspect_vehicle.unchanged",
                field="suspect_vehicle",
            )
        before = self.suspect_plate
        released = before if before is not None and before != described["plate"] else None
        self.record(
            self.SuspectVehicleAmended,
            actor,
            at,
            suspect_vehicle=described,
            released_plate=released,
            reason=reason.strip(),
        )

    def suspend(self, reason: str, *, actor: Actor, at: datetime) -> None:
        """Set an unsolved case aside: every clock stops (the targets' acknowledgements with the request)
        and nobody is awaited; the suspect vehicle stays held (the case is not over). Refused while a
        victim's interim determination is awaited: the victim's 10 working days are answered first."""
        unsolved = (HitAndRunStatus.OPEN, HitAndRunStatus.ASSISTANCE_REQUESTED)
        self.guard(actor, _INCIDENT_INVESTIGATORS, "suspend", *unsolved)
        require_text(reason, "reason")
        if self.interim_requested:
            raise TransitionNotAllowed(
                "a victim's request for an interim determination is awaited: issue it before suspending"
                " (146号令 Art 66)"
            )
        self.record(self.CaseSuspended, actor, at, reason=reason.strip(), closes=list(self.deadlines))

    def reopen(self, reason: str, *, actor: Actor, at: datetime, policy: DeadlinePolicy) -> None:
        """Take a suspended case up again: it returns to the assistance request (or to open, if none went
        out), and each target that had not acknowledged gets its acknowledgement clock anew, with the
        window it was first given, from the reopening — the request stands again as it was sent."""
        self.guard(actor, _INCIDENT_INVESTIGATORS, "reopen", HitAndRunStatus.SUSPENDED)
        require_text(reason, "reason")
        opens = {
            ack_deadline(code): policy.calendar.due(at, TimeLimit(self.ack_hours[code], "hours"))
            for code in self.targets
            if code not in self.acknowledged
        }
        self.record(self.CaseReopened, actor, at, reason=reason.strip(), opens=opens)

    def request_interim_determination(
        self, reference: str, *, actor: Actor, at: datetime, policy: DeadlinePolicy
    ) -> None:
        """The victim's written request for a determination while the case is unsolved (146号令 Art 66),
        recorded by the incident province's investigators: the determination is due within 10 working
        days of it (its own clock, `interim_determination`). Not while suspended: reopen first."""
        unsolved = (HitAndRunStatus.OPEN, HitAndRunStatus.ASSISTANCE_REQUESTED)
        self.guard(actor, _INCIDENT_INVESTIGATORS, "request an interim determination for", *unsolved)
        require_text(reference, "reference")
        if self.interim_requested:
            raise TransitionNotAllowed("an interim determination is already requested and not yet issued")
        due = policy.due(Term.INTERIM_DETERMINATION, self.provinces, at)
        self.record(
            self.InterimDeterminationRequested,
            actor,
            at,
            reference=reference.strip(),
            opens={Term.INTERIM_DETERMINATION: due},
        )

    def take_handover(self, *, actor: Actor, at: datetime) -> None:
        self.guard(actor, _INCIDENT_INVESTIGATORS, "take custody in", HitAndRunStatus.SUSPECT_APPREHENDED)
        self.record(self.HandoverCompleted, actor, at)

    def solve(self, *, actor: Actor, at: datetime) -> None:
        self.guard(actor, _INCIDENT_INVESTIGATORS, "mark solved", HitAndRunStatus.HANDED_OVER)
        acks = [name for name in self.deadlines if name.startswith(ACK_PREFIX)]
        self.record(self.CaseSolved, actor, at, withdrawn_from=list(self.targets), closes=acks)

    def determine(self, outcome: Outcome, points: int | None, *, actor: Actor, at: datetime) -> None:
        """Responsibility determined; the points follow 163号令 (`points_under_163`: 12 unless the
        investigators establish a minor injury or property damage only; none for a crime), recorded
        with their legal basis."""
        self.guard(actor, _INCIDENT_INVESTIGATORS, "determine responsibility in", HitAndRunStatus.SOLVED)
        assessed, basis = points_under_163(outcome, points, dead=self.dead)
        closes = [Term.DETERMINATION]
        self.record(
            self.ResponsibilityDetermined,
            actor,
            at,
            outcome=outcome.value,
            points=assessed,
            legal_basis=basis,
            closes=closes,
        )
        final = self.CaseClosed if outcome is Outcome.CLOSED else self.TransferredToCriminal
        self.record(final, actor, at, closes=list(self.deadlines))

    def issue_interim_determination(self, summary: str, *, actor: Actor, at: datetime) -> None:
        """The facts established so far, for a victim of an unsolved case (146号令 Art 66): answers a
        pending request (stopping its clock), or is issued unasked — a suspended case included."""
        unsolved = (HitAndRunStatus.OPEN, HitAndRunStatus.ASSISTANCE_REQUESTED, HitAndRunStatus.SUSPENDED)
        self.guard(actor, _INCIDENT_INVESTIGATORS, "issue an interim determination for", *unsolved)
        require_text(summary, "summary")
        closes = [Term.INTERIM_DETERMINATION] if self.interim_requested else []
        self.record(self.InterimDeterminationIssued, actor, at, summary=summary.strip(), closes=closes)

    def _answering_target(self, actor: Actor) -> str:
        """A target province's investigators answer the assistance request (acknowledge it, report
        clues) for as long as it stands: their province, the target answering."""
        self.authorize(actor, _TARGET_INVESTIGATORS)
        if self.withdrawn:
            raise TransitionNotAllowed("the assistance request was withdrawn when the case was solved")
        if self.is_suspended:
            raise TransitionNotAllowed("the case is suspended, and the assistance request with it")
        return actor.province or ""


# What the incident province does next once the suspect is caught; each answers the determination clock.
_INCIDENT_NEXT: dict[str, str] = {
    HitAndRunStatus.SUSPECT_APPREHENDED: "take_handover",
    HitAndRunStatus.HANDED_OVER: "mark_solved",
    HitAndRunStatus.SOLVED: "determine_responsibility",
}


def _require_described(vehicle: SuspectVehicle) -> None:
    if vehicle.plate is None and not vehicle.plate_partial and not (vehicle.model or vehicle.color):
        raise RuleViolation(
            "describe the suspect vehicle: a plate, part of it, or at least its model or colour",
            code="suspect_vehicle.undescribed",
            field="suspect_vehicle",
        )


def _new_targets(targets: Iterable[str], *, incident: str, already: Sequence[str]) -> list[str]:
    codes = [province_by_code(code).code for code in targets]
    if not codes:
        raise RuleViolation(
            "name at least one target province", code="assistance.targets_required", field="targets"
        )
    if incident in codes:
        raise RuleViolation(
            "the incident province does not send itself a request",
            code="assistance.target_invalid",
            field="targets",
        )
    repeated = sorted({c for c in codes if c in already})
    if repeated:
        raise RuleViolation(
            f"already targeted: {', '.join(repeated)}", code="assistance.target_repeated", field="targets"
        )
    return sorted(set(codes))
