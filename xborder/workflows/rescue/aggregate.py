"""JointRescue — 警医保三方联动 (146号令 Art 10, 42; 交强险条例 Art 22, 24, 31).

The dispatch centre of the accident's province opens the rescue and sends the nearest police unit and
the nearest hospital or 120 unit, whatever their province; they report arrival and admission, and
their response times are kept. The costs are advanced by the insurer (written notice, within the
交强险 medical limit) or by the accident province's relief fund, as `funding.route_funding` decides.
A rescue whose driver fled has its hit-and-run case opened by a process manager; its id is fixed
here, so however often that manager runs, there is one case, linked from the rescue.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from xborder.domain.actors import Actor, Role
from xborder.domain.cases import (
    Awaited,
    CaseAggregate,
    CaseEvent,
    DeadlineOverdue,
    DeadlinePolicy,
    StatusEvent,
    awaited,
    require_text,
)
from xborder.domain.errors import CaseNotFound, NotPermitted, RuleViolation, TransitionNotAllowed
from xborder.domain.money import Money
from xborder.domain.provinces import province_by_code
from xborder.workflows.rescue.funding import FundReason, VehicleCover, medical_limit, route_funding
from xborder.workflows.rescue.terms import Term

ACCIDENT = "accident"
RESPONDER = "responder"
_HIT_AND_RUN_NAMESPACE = UUID("1b0c6f0a-7d2e-4f5c-9a3b-2e8d4c6a1f90")


def hit_and_run_id_for(rescue_id: UUID) -> UUID:
    """The hit-and-run case a fled-driver rescue opens: derived, so a replay never opens a second one."""
    return uuid5(_HIT_AND_RUN_NAMESPACE, f"rescue:{rescue_id}")


class RescueStatus(StrEnum):
    OPEN = "open"
    RESPONDING = "responding"
    PATIENTS_ADMITTED = "patients_admitted"
    FUNDING_CONFIRMED = "funding_confirmed"
    FUNDING_DENIED = "funding_denied"
    CLOSED = "closed"


class Severity(StrEnum):
    MINOR = "minor"
    SERIOUS = "serious"
    CRITICAL = "critical"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class Casualty:
    ref: str
    severity: Severity
    medical_notes: str


@dataclass(frozen=True, slots=True)
class RescueReport:
    occurred_at: datetime
    road: str
    km: float | None
    lat: float | None
    lon: float | None
    casualties: tuple[Casualty, ...]
    vehicles: tuple[VehicleCover, ...]
    driver_fled: bool


class JointRescue(CaseAggregate):
    KIND = "rescue"
    TOPIC = "xborder:JointRescue"
    TERMINAL = frozenset({RescueStatus.CLOSED})

    # Required by the library for a pinned aggregate; nothing is ever recorded under this topic.
    class Created(Aggregate.Created):
        TOPIC = "xborder:JointRescue.Created"

    class RescueOpened(Created, CaseEvent):
        accident: str
        occurred_at: datetime
        place: dict[str, Any]
        casualties: list[dict[str, str]]
        vehicles: list[dict[str, str | None]]
        driver_fled: bool
        hit_and_run_id: UUID | None

        def apply_to(self, r: JointRescue) -> None:
            r.accident = self.accident
            r.roles = {self.accident: ACCIDENT}
            r.driver_fled = self.driver_fled
            r.casualty_refs = [c["ref"] for c in self.casualties]
            r.vehicles = [VehicleCover(v["plate"], v["insurer"], v["policy"]) for v in self.vehicles]
            r.status = RescueStatus.OPEN

    class PoliceDispatched(CaseEvent):
        unit: str
        province: str

        def apply_to(self, r: JointRescue) -> None:
            r.roles.setdefault(self.province, RESPONDER)
            r.police = (self.province, self.at)
            r.refresh_status()

    class PoliceArrived(CaseEvent):
        response_seconds: int

        def apply_to(self, r: JointRescue) -> None:
            r.police_arrived = True

    class MedicalDispatched(CaseEvent):
        hospital: str
        province: str

        def apply_to(self, r: JointRescue) -> None:
            r.roles.setdefault(self.province, RESPONDER)
            r.medical = (self.province, self.at)
            r.refresh_status()

    class PatientsAdmitted(CaseEvent):
        patients: list[str]
        response_seconds: int

        def apply_to(self, r: JointRescue) -> None:
            r.admitted = True
            r.refresh_status()

    class InsurerNotified(CaseEvent):
        """The written notice (书面通知) to a vehicle's 交强险 insurer."""

        insurer: str
        policy: str

        def apply_to(self, r: JointRescue) -> None:
            r.insurers[self.insurer] = None

    class InsurerAdvanceConfirmed(CaseEvent):
        insurer: str
        amount: int
        at_fault: bool

        def apply_to(self, r: JointRescue) -> None:
            r.insurers[self.insurer] = self.amount
            r.funding = RescueStatus.FUNDING_CONFIRMED
            r.refresh_status()

    class FundNotified(CaseEvent):
        reason: str

        def apply_to(self, r: JointRescue) -> None:
            r.fund_notified = True

    class FundAdvancePaid(CaseEvent):
        amount: int

        def apply_to(self, r: JointRescue) -> None:
            r.fund_reviewed = True
            r.funding = RescueStatus.FUNDING_CONFIRMED
            r.refresh_status()

    class FundAdvanceDenied(CaseEvent):

        def apply_to(self, r: JointRescue) -> None:
            r.fund_reviewed = True
            r.funding = RescueStatus.FUNDING_DENIED
            r.refresh_status()

    class RescueClosed(StatusEvent):
        STATUS = RescueStatus.CLOSED

    class FundNoticeOverdue(DeadlineOverdue):
        DEADLINE = Term.FUND_NOTICE

    class FundReviewOverdue(DeadlineOverdue):
        DEADLINE = Term.FUND_REVIEW

    def __init__(self) -> None:
        super().__init__()
        self.accident = ""
        self.driver_fled = False
        self.casualty_refs: list[str] = []
        self.vehicles: list[VehicleCover] = []
        self.police: tuple[str, datetime] | None = None
        self.police_arrived = False
        self.medical: tuple[str, datetime] | None = None
        self.admitted = False
        self.insurers: dict[str, int | None] = {}  # notified insurer -> confirmed advance
        self.fund_notified = False
        self.fund_reviewed = False
        self.funding: str | None = None

    def refresh_status(self) -> None:
        """The furthest milestone reached: funding decided, then patients admitted, then responders sent."""
        if self.funding is not None:
            self.status = self.funding
        elif self.admitted:
            self.status = RescueStatus.PATIENTS_ADMITTED
        elif self.police or self.medical:
            self.status = RescueStatus.RESPONDING

    def awaiting(self) -> list[Awaited]:
        """Until closed: the dispatched units that have not reported, each notified insurer that has not
        confirmed its advance (by `org`), the notice the fund is owed while its clock runs, and the
        fund's review once notified."""
        if self.status == RescueStatus.CLOSED:
            return []
        items: list[Awaited] = []
        if self.police is not None and not self.police_arrived:
            items.append(awaited(self.police[0], Role.TRAFFIC_POLICE.value, "report_arrival", None))
        if self.medical is not None and not self.admitted:
            items.append(awaited(self.medical[0], Role.MEDICAL.value, "report_admission", None))
        for insurer, advance in sorted(self.insurers.items()):
            if advance is None:
                items.append(awaited(self.accident, Role.INSURER.value, "confirm_advance", None, org=insurer))
        if Term.FUND_NOTICE in self.deadlines:
            items.append(awaited(self.accident, Role.DISPATCHER.value, "notify_fund", Term.FUND_NOTICE))
        if self.fund_notified and not self.fund_reviewed:
            items.append(awaited(self.accident, Role.FUND.value, "review_fund", Term.FUND_REVIEW))
        return items

    def notified_insurers(self) -> Collection[str]:
        """Insurers see only the rescues they were notified of (and never the medical notes)."""
        return self.insurers.keys()

    # ------------------------------------------------------------------ commands
    @classmethod
    def open(
        cls,
        report: RescueReport,
        *,
        actor: Actor,
        at: datetime,
        policy: DeadlinePolicy,
        case_id: UUID | None = None,
    ) -> JointRescue:
        if actor.role is not Role.DISPATCHER or actor.province is None:
            raise NotPermitted("only the dispatch centre of the accident's province opens a joint rescue")
        if report.occurred_at.tzinfo is None or report.occurred_at > at:
            raise RuleViolation(
                "the accident cannot have happened after the rescue is opened",
                code="incident.occurred_in_future",
                field="occurred_at",
            )
        refs = [c.ref for c in report.casualties]
        if len(set(refs)) != len(refs):
            raise RuleViolation(
                "casualty refs must be unique", code="casualties.duplicate_ref", field="casualties"
            )
        rescue_id = case_id or uuid4()
        accident = actor.province
        route = route_funding(report.driver_fled, report.vehicles)
        opens = {Term.FUND_NOTICE: policy.due(Term.FUND_NOTICE, [accident], at)} if route.fund_needed else {}
        return cls._create(
            cls.RescueOpened,
            id=rescue_id,
            at=at,
            actor=actor.as_dict(),
            provinces=[accident],
            joined=[],
            opens={str(k): v for k, v in opens.items()},
            closes=[],
            overdue=[],
            accident=accident,
            occurred_at=report.occurred_at,
            place={
                "province": accident,
                "road": report.road,
                "km": report.km,
                "lat": report.lat,
                "lon": report.lon,
            },
            casualties=[
                {"ref": c.ref, "severity": c.severity.value, "medical_notes": c.medical_notes}
                for c in report.casualties
            ],
            vehicles=[{"plate": v.plate, "insurer": v.insurer, "policy": v.policy} for v in report.vehicles],
            driver_fled=report.driver_fled,
            hit_and_run_id=hit_and_run_id_for(rescue_id) if report.driver_fled else None,
        )

    def dispatch_police(self, unit: str, province: str, *, actor: Actor, at: datetime) -> None:
        """The nearest unit, whichever province it belongs to; that province joins the case."""
        self.authorize(actor, {Role.DISPATCHER: [ACCIDENT]})
        self._require_open("dispatch police to")
        if self.police is not None:
            raise TransitionNotAllowed("a police unit is already dispatched")
        code = province_by_code(province).code
        require_text(unit, "unit")
        self.trigger_event(
            self.PoliceDispatched,
            unit=unit.strip(),
            province=code,
            **self.meta(actor, at, provinces=[*self.roles, code]),
        )

    def report_police_arrival(self, *, actor: Actor, at: datetime) -> None:
        self._require_visible(actor)
        self._require_open("report arrival at")
        if self.police is None:
            raise TransitionNotAllowed("no police unit was dispatched")
        if actor.role is not Role.TRAFFIC_POLICE or actor.province != self.police[0]:
            raise NotPermitted("only the traffic police of the dispatched unit's province report its arrival")
        if self.police_arrived:
            raise TransitionNotAllowed("the unit's arrival is already recorded")
        self.trigger_event(
            self.PoliceArrived, response_seconds=_seconds_between(self.police[1], at), **self.meta(actor, at)
        )

    def dispatch_medical(self, hospital: str, province: str, *, actor: Actor, at: datetime) -> None:
        """The nearest hospital or 120 unit, whichever province; it may not refuse."""
        self.authorize(actor, {Role.DISPATCHER: [ACCIDENT]})
        self._require_open("dispatch medical help to")
        if self.medical is not None:
            raise TransitionNotAllowed("a hospital is already dispatched")
        code = province_by_code(province).code
        require_text(hospital, "hospital")
        self.trigger_event(
            self.MedicalDispatched,
            hospital=hospital.strip(),
            province=code,
            **self.meta(actor, at, provinces=[*self.roles, code]),
        )

    def admit_patients(self, patients: Sequence[str], *, actor: Actor, at: datetime) -> None:
        self._require_visible(actor)
        self._require_open("admit patients of")
        if self.medical is None:
            raise TransitionNotAllowed("no hospital was dispatched")
        if actor.role is not Role.MEDICAL or actor.province != self.medical[0]:
            raise NotPermitted("only the dispatched hospital's province reports the admission")
        if self.admitted:
            raise TransitionNotAllowed("the admission is already recorded")
        unknown = sorted(set(patients) - set(self.casualty_refs))
        if not patients or unknown:
            raise RuleViolation(
                "patients must be casualty refs of this rescue"
                + (f": unknown {', '.join(unknown)}" if unknown else ""),
                code="patients.invalid",
                field="patients",
            )
        self.trigger_event(
            self.PatientsAdmitted,
            patients=sorted(set(patients)),
            response_seconds=_seconds_between(self.medical[1], at),
            **self.meta(actor, at),
        )

    def notify_insurer(self, insurer: str, policy: str, *, actor: Actor, at: datetime) -> None:
        self.authorize(actor, {Role.TRAFFIC_POLICE: [ACCIDENT], Role.DISPATCHER: [ACCIDENT]})
        self._require_open("notify an insurer of")
        route = route_funding(self.driver_fled, self.vehicles)
        if not any(v.insurer == insurer and v.policy == policy for v in route.insurers):
            raise RuleViolation(
                "the insurer advances only for an insured vehicle of this rescue whose driver is known; "
                "name its insurer and policy as recorded (a fled driver's rescue goes to the relief fund)",
                code="insurer.not_applicable",
                field="insurer",
            )
        if insurer in self.insurers:
            raise TransitionNotAllowed(f"{insurer} is already notified")
        self.trigger_event(self.InsurerNotified, insurer=insurer, policy=policy, **self.meta(actor, at))

    def confirm_insurer_advance(self, amount: Money, at_fault: bool, *, actor: Actor, at: datetime) -> None:
        self.authorize(actor, {Role.INSURER: None})  # the notified insurer, of an involved province
        self._require_open("confirm an advance for")
        insurer = actor.org or ""
        if self.insurers.get(insurer) is not None:
            raise TransitionNotAllowed("your advance is already confirmed")
        limit = medical_limit(at_fault)
        if amount.yuan <= 0 or amount > limit:
            raise RuleViolation(
                f"the 交强险 medical limit is {limit} when the insured is "
                f"{'' if at_fault else 'not '}at fault; costs above it go to the relief fund",
                code="insurer.advance_over_limit" if amount > limit else "insurer.advance_invalid",
                field="amount",
            )
        self.trigger_event(
            self.InsurerAdvanceConfirmed,
            insurer=insurer,
            amount=amount.yuan,
            at_fault=at_fault,
            **self.meta(actor, at),
        )

    def notify_fund(self, reason: FundReason, *, actor: Actor, at: datetime, policy: DeadlinePolicy) -> None:
        """Notice to the relief fund of the accident's province, which reviews within 5 working days."""
        self.authorize(actor, {Role.TRAFFIC_POLICE: [ACCIDENT], Role.DISPATCHER: [ACCIDENT]})
        self._require_open("notify the relief fund of")
        if self.fund_notified:
            raise TransitionNotAllowed("the relief fund is already notified")
        route = route_funding(self.driver_fled, self.vehicles)
        justified = reason in route.fund_reasons or (
            reason is FundReason.OVER_LIMIT and any(a is not None for a in self.insurers.values())
        )
        if not justified:
            raise RuleViolation(
                {
                    FundReason.DRIVER_FLED: "the driver of this rescue did not flee",
                    FundReason.UNINSURED: "every vehicle of this rescue is insured",
                    FundReason.OVER_LIMIT: "costs are over the 交强险 limit only after the insurer's advance",
                }[reason],
                code="fund.reason_not_applicable",
                field="reason",
            )
        due = policy.due(Term.FUND_REVIEW, [self.accident], at)
        self.trigger_event(
            self.FundNotified,
            reason=reason.value,
            **self.meta(actor, at, closes=[Term.FUND_NOTICE], opens={Term.FUND_REVIEW: due}),
        )

    def review_fund(self, approved: bool, amount: Money, *, actor: Actor, at: datetime) -> None:
        self.authorize(actor, {Role.FUND: [ACCIDENT]})
        self._require_open("review the fund advance of")
        if not self.fund_notified:
            raise TransitionNotAllowed("the relief fund was not notified of this rescue")
        if self.fund_reviewed:
            raise TransitionNotAllowed("the fund already reviewed this rescue")
        if approved:
            if amount.yuan <= 0:
                raise RuleViolation(
                    "an approved advance needs its amount", code="fund.amount_invalid", field="amount"
                )
            self.trigger_event(
                self.FundAdvancePaid, amount=amount.yuan, **self.meta(actor, at, closes=[Term.FUND_REVIEW])
            )
        else:
            self.trigger_event(self.FundAdvanceDenied, **self.meta(actor, at, closes=[Term.FUND_REVIEW]))

    def close(self, *, actor: Actor, at: datetime) -> None:
        self.authorize(actor, {Role.DISPATCHER: [ACCIDENT]})
        self._require_open("close")
        self.trigger_event(self.RescueClosed, **self.meta(actor, at, closes=list(self.deadlines)))

    # ------------------------------------------------------------------ helpers
    def _require_visible(self, actor: Actor) -> None:
        if not self.is_visible_to(actor):
            raise CaseNotFound("No such case.")

    def _require_open(self, action: str) -> None:
        if self.status == RescueStatus.CLOSED:
            raise TransitionNotAllowed(f"cannot {action} a closed rescue")


def _seconds_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))
