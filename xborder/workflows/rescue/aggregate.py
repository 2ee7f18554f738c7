"""JointRescue — 警医保三方联动 (146号令 Art 10, 42; 交强险条例 Art 22, 24, 31).

The dispatch centre of the accident's province opens the rescue and sends the nearest police unit and
the nearest hospital or 120 unit, whatever their province; they report arrival and admission, and
their response times are kept. The costs are advanced by the insurer (written notice, under one of the
three 交强险 heads and within its limit, the insured's fault as the police determine it — provisional,
as the insurer states it, until they do) or by the accident province's relief fund, as
`funding.route_funding` decides, or once an insurer reports costs above its limit; the fund's advance
is bounded by the request and by the 7 days from admission, and its recovery from the liable party is
recorded when known.
A rescue whose driver fled has its hit-and-run case opened by a process manager; its id is fixed
here, so however often that manager runs, there is one case, linked from the rescue.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4, uuid5

from xborder.domain import cases
from xborder.domain.actors import Actor, Role
from xborder.domain.calendar import CST
from xborder.domain.cases import Allowed, Awaited, CaseAggregate, DeadlinePolicy, awaited, require_text
from xborder.domain.errors import CaseNotFound, NotPermitted, RuleViolation, TransitionNotAllowed
from xborder.domain.money import Money
from xborder.domain.provinces import province_by_code
from xborder.workflows.rescue.funding import (
    FUND_HEADS,
    FUND_RESCUE_DAYS,
    FUND_RESCUE_RULE,
    LIMITS_RULE,
    FundReason,
    Head,
    VehicleCover,
    head_limit,
    last_fund_rescue_day,
    route_funding,
)
from xborder.workflows.rescue.terms import Term

ACCIDENT = "accident"
RESPONDER = "responder"
_HIT_AND_RUN_NAMESPACE = UUID("1b0c6f0a-7d2e-4f5c-9a3b-2e8d4c6a1f90")
# Who acts on a rescue: the accident province's dispatch centre runs it, its police or dispatchers notify
# the payers. The dispatched units report from their own province (`Service`), insurers as notified.
_DISPATCH_CENTRE: Allowed = {Role.DISPATCHER: (ACCIDENT,)}
_ACCIDENT_OFFICES: Allowed = {Role.TRAFFIC_POLICE: (ACCIDENT,), Role.DISPATCHER: (ACCIDENT,)}
# The accident province's traffic police determine responsibility (道路交通安全法 第七十三条).
_ACCIDENT_POLICE: Allowed = {Role.TRAFFIC_POLICE: (ACCIDENT,)}
_ACCIDENT_FUND: Allowed = {Role.FUND: (ACCIDENT,)}


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
    """Someone hurt, by the dispatcher's reference rather than by name; the medical notes are for the
    hospital and the dispatch centre only (`masking.mask_rescue`)."""

    ref: str
    severity: Severity
    medical_notes: str


@dataclass(frozen=True, slots=True)
class Service:
    """What the two services a rescue sends differ in. One rule dispatches either (one unit, from any
    province, which joins the case) and takes its unit's report (from that province's own role, once)."""

    role: Role  # who reports for the unit
    unit: str  # what is sent, as messages name it
    report: str  # what the unit reports, likewise
    reporters: str  # who alone may report, likewise
    action: str  # the report, as `awaiting` names it


POLICE = Service(
    Role.TRAFFIC_POLICE,
    "police unit",
    "unit's arrival",
    "only the traffic police of the dispatched unit's province report its arrival",
    "report_arrival",
)
MEDICAL = Service(
    Role.MEDICAL,
    "hospital",
    "admission",
    "only the dispatched hospital's province reports the admission",
    "report_admission",
)


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


@dataclass(frozen=True, slots=True)
class FundRequest:
    """What the relief fund is asked to advance: rescue costs of the treatment up to a day (at most 7
    days from admission), funeral costs for the dead (those recorded dead, or named in `deceased`)."""

    rescue_costs: Money | None = None
    rescue_costs_until: date | None = None
    funeral_costs: Money | None = None
    deceased: tuple[str, ...] = ()

    @property
    def total(self) -> Money | None:
        """The amount requested, or None when the notice named none (the fund's review is then bounded
        by nothing but its own decision, as before requests were recorded)."""
        amounts = [m for m in (self.rescue_costs, self.funeral_costs) if m is not None]
        return sum(amounts, Money(0)) if amounts else None


class JointRescue(CaseAggregate):
    KIND = "rescue"
    TERMINAL = frozenset({RescueStatus.CLOSED})

    class RescueOpened(cases.OpeningEvent):
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
            r.dead = [c["ref"] for c in self.casualties if c["severity"] == Severity.DEAD.value]
            r.vehicles = [VehicleCover(v["plate"], v["insurer"], v["policy"]) for v in self.vehicles]
            r.status = RescueStatus.OPEN

    class PoliceDispatched(cases.CaseEvent):
        unit: str
        province: str

        def apply_to(self, r: JointRescue) -> None:
            r.sent(POLICE, self.province, self.at)

    class MedicalDispatched(cases.CaseEvent):
        hospital: str
        province: str

        def apply_to(self, r: JointRescue) -> None:
            r.sent(MEDICAL, self.province, self.at)

    class PoliceArrived(cases.CaseEvent):
        response_seconds: int

        def apply_to(self, r: JointRescue) -> None:
            r.reported_by(POLICE)

    class PatientsAdmitted(cases.CaseEvent):
        patients: list[str]
        response_seconds: int

        def apply_to(self, r: JointRescue) -> None:
            r.admitted_on = self.at.astimezone(CST).date()
            r.reported_by(MEDICAL)

    class InsurerNotified(cases.CaseEvent):
        """The written notice (书面通知) to a vehicle's 交强险 insurer."""

        insurer: str
        policy: str

        def apply_to(self, r: JointRescue) -> None:
            r.insurers[self.insurer] = None

    class InsurerAdvanceConfirmed(cases.CaseEvent):
        """An advance under one 交强险 head (class version 4: `head`, `limit`, `at_fault_provisional`,
        `costs`, `over_limit` added)."""

        class_version = 4  # CaseEvent's 3, and this event's own change

        insurer: str
        amount: int
        at_fault: bool
        head: str
        limit: int  # the head's limit the advance was bounded by
        at_fault_provisional: bool  # as the insurer stated it, before the police determined fault
        costs: int | None  # the costs under the head, when the insurer states them
        over_limit: bool  # costs above the limit, which the relief fund is to advance

        @classmethod
        def upcast_v3_v4(cls, state: dict[str, Any]) -> None:
            """Before heads, every advance was a medical one, its fault the insurer's word."""
            state.setdefault("head", Head.MEDICAL.value)
            state.setdefault("limit", head_limit(Head.MEDICAL, bool(state["at_fault"])).yuan)
            state.setdefault("at_fault_provisional", True)
            state.setdefault("costs", None)
            state.setdefault("over_limit", False)

        def apply_to(self, r: JointRescue) -> None:
            r.insurers[self.insurer] = (r.insurers.get(self.insurer) or 0) + self.amount
            r.advances[(self.insurer, self.head)] = self.amount
            r.over_limit = r.over_limit or self.over_limit
            r.funding = RescueStatus.FUNDING_CONFIRMED
            r.refresh_status()

    class FaultDetermined(cases.CaseEvent):
        """The police's determination of responsibility: the plates whose drivers are at fault, and so
        each insurer's fault (an insurer of any vehicle at fault is at fault)."""

        at_fault: list[str]
        insurers: dict[str, bool]

        def apply_to(self, r: JointRescue) -> None:
            r.fault = dict(self.insurers)
            r.fault_determined = True

    class FundNotified(cases.CaseEvent):
        """The notice, with what the fund is asked to advance (class version 4: the request added)."""

        class_version = 4  # CaseEvent's 3, and this event's own change

        reason: str
        rescue_costs: int | None
        rescue_costs_until: str | None  # ISO date
        funeral_costs: int | None
        deceased: list[str]

        @classmethod
        def upcast_v3_v4(cls, state: dict[str, Any]) -> None:
            """A notice from before requests were recorded asked for no particular amount."""
            state.setdefault("rescue_costs", None)
            state.setdefault("rescue_costs_until", None)
            state.setdefault("funeral_costs", None)
            state.setdefault("deceased", [])

        def apply_to(self, r: JointRescue) -> None:
            r.fund_notified = True
            amounts = [a for a in (self.rescue_costs, self.funeral_costs) if a is not None]
            r.fund_requested = sum(amounts) if amounts else None

    class FundAdvancePaid(cases.CaseEvent):
        amount: int

        def apply_to(self, r: JointRescue) -> None:
            r.fund_paid = self.amount
            r.fund_reviewed = True
            r.funding = RescueStatus.FUNDING_CONFIRMED
            r.refresh_status()

    class FundAdvanceDenied(cases.CaseEvent):
        def apply_to(self, r: JointRescue) -> None:
            r.fund_reviewed = True
            r.funding = RescueStatus.FUNDING_DENIED
            r.refresh_status()

    class FundRecoveryRecorded(cases.CaseEvent):
        """The fund recovered `amount` of its advance from the liable party (办法: 追偿)."""

        liable_party: str
        amount: int

        def apply_to(self, r: JointRescue) -> None:
            r.fund_recovered += self.amount

    class RescueClosed(cases.StatusEvent):
        STATUS = RescueStatus.CLOSED

    class FundNoticeOverdue(cases.DeadlineOverdue):
        DEADLINE = Term.FUND_NOTICE

    class FundReviewOverdue(cases.DeadlineOverdue):
        DEADLINE = Term.FUND_REVIEW

    def __init__(self) -> None:
        super().__init__()
        self.accident = ""
        self.driver_fled = False
        self.casualty_refs: list[str] = []
        self.dead: list[str] = []  # casualties recorded dead at the scene
        self.vehicles: list[VehicleCover] = []
        self.units: dict[Service, tuple[str, datetime]] = {}  # -> the unit's province, when it was sent
        self.reported: set[Service] = set()  # the services whose unit has reported
        self.insurers: dict[str, int | None] = {}  # notified insurer -> confirmed advances, summed
        self.advances: dict[tuple[str, str], int] = {}  # (insurer, head) -> its advance
        self.fault: dict[str, bool] = {}  # insurer -> at fault, as the police determined
        self.fault_determined = False
        self.over_limit = False  # an insurer reported costs above its limit
        self.admitted_on: date | None = None
        self.fund_notified = False
        self.fund_requested: int | None = None
        self.fund_reviewed = False
        self.fund_paid = 0
        self.fund_recovered = 0
        self.funding: str | None = None

    def legal_hold(self) -> str | None:
        """While the relief fund has an advance still to recover from the liable party (追偿), the
        rescue's record is the fund's evidence: kept for the claim's limitation period (民法典 Art. 188)."""
        if self.fund_paid > self.fund_recovered:
            return (
                f"rescue {self.id}: the relief fund's claim to recover its advance (追偿) is outstanding; "
                "the record is its evidence (民法典 Art. 188)"
            )
        return super().legal_hold()

    @property
    def police(self) -> tuple[str, datetime] | None:
        """The police unit dispatched: its province and when it was sent."""
        return self.units.get(POLICE)

    @property
    def medical(self) -> tuple[str, datetime] | None:
        """The hospital or 120 unit dispatched: its province and when it was sent."""
        return self.units.get(MEDICAL)

    @property
    def police_arrived(self) -> bool:
        """Whether the police unit has reported its arrival."""
        return POLICE in self.reported

    @property
    def admitted(self) -> bool:
        """Whether the hospital has reported the patients' admission."""
        return MEDICAL in self.reported

    def sent(self, service: Service, province: str, at: datetime) -> None:
        """A unit of `service` sent from `province` at `at`: that province joins the case as a responder
        (unless it is the accident's own), and the unit's response time runs from `at`."""
        self.roles.setdefault(province, RESPONDER)
        self.units[service] = (province, at)
        self.refresh_status()

    def reported_by(self, service: Service) -> None:
        """The unit of `service` reported (the police arrived, the hospital admitted the patients)."""
        self.reported.add(service)
        self.refresh_status()

    def refresh_status(self) -> None:
        """The furthest milestone reached: funding decided, then patients admitted, then responders sent."""
        if self.funding is not None:
            self.status = self.funding
        elif self.admitted:
            self.status = RescueStatus.PATIENTS_ADMITTED
        elif self.units:
            self.status = RescueStatus.RESPONDING

    def awaiting(self) -> list[Awaited]:
        """Until closed: the dispatched units that have not reported, each notified insurer that has not
        confirmed its advance (by `org`), the notice the fund is owed while its clock runs, and the
        fund's review once notified."""
        if self.status == RescueStatus.CLOSED:
            return []
        items: list[Awaited] = []
        for service in (POLICE, MEDICAL):
            if service in self.units and service not in self.reported:
                province, _ = self.units[service]
                items.append(awaited(province, service.role.value, service.action, None))
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
        future = "the accident cannot have happened after the rescue is opened"
        cases.require_past(
            report.occurred_at, at, future, code="incident.occurred_in_future", field="occurred_at"
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
        return cls.open_case(
            cls.RescueOpened,
            actor,
            at,
            case_id=rescue_id,
            provinces=[accident],
            opens=opens,
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
        code = self._dispatch(POLICE, province, actor=actor, action="dispatch police to")
        require_text(unit, "unit")
        self.record(self.PoliceDispatched, actor, at, unit=unit.strip(), province=code, joining=[code])

    def report_police_arrival(self, *, actor: Actor, at: datetime) -> None:
        sent = self._report(POLICE, actor=actor, action="report arrival at")
        self.record(self.PoliceArrived, actor, at, response_seconds=_seconds_between(sent, at))

    def dispatch_medical(self, hospital: str, province: str, *, actor: Actor, at: datetime) -> None:
        """The nearest hospital or 120 unit, whichever province; it may not refuse."""
        code = self._dispatch(MEDICAL, province, actor=actor, action="dispatch medical help to")
        require_text(hospital, "hospital")
        self.record(
            self.MedicalDispatched, actor, at, hospital=hospital.strip(), province=code, joining=[code]
        )

    def admit_patients(self, patients: Sequence[str], *, actor: Actor, at: datetime) -> None:
        sent = self._report(MEDICAL, actor=actor, action="admit patients of")
        unknown = sorted(set(patients) - set(self.casualty_refs))
        if not patients or unknown:
            raise RuleViolation(
                "patients must be casualty refs of this rescue"
                + (f": unknown {', '.join(unknown)}" if unknown else ""),
                code="patients.invalid",
                field="patients",
            )
        response_seconds = _seconds_between(sent, at)
        self.record(
            self.PatientsAdmitted,
            actor,
            at,
            patients=sorted(set(patients)),
            response_seconds=response_seconds,
        )

    def notify_insurer(self, insurer: str, policy: str, *, actor: Actor, at: datetime) -> None:
        self._guard(actor, _ACCIDENT_OFFICES, "notify an insurer of")
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
        self.record(self.InsurerNotified, actor, at, insurer=insurer, policy=policy)

    def confirm_insurer_advance(
        self,
        amount: Money,
        at_fault: bool | None,
        head: Head = Head.MEDICAL,
        costs: Money | None = None,
        *,
        actor: Actor,
        at: datetime,
        policy: DeadlinePolicy | None = None,
    ) -> None:
        """The notified insurer advances under one 交强险 head, within that head's limit (条例 第二十三条)
        for its insured's fault: the police's determination when recorded, else the insurer's word,
        kept as provisional. Costs stated above a limit the fund covers start the fund's notice clock."""
        # the notified insurer, of an involved province
        self._guard(actor, {Role.INSURER: None}, "confirm an advance for")
        insurer = actor.org or ""
        if (insurer, head.value) in self.advances:
            raise TransitionNotAllowed(f"your advance under the {head.value} head is already confirmed")
        determined = self.fault.get(insurer) if self.fault_determined else None
        if determined is not None:
            if at_fault is not None and at_fault is not determined:
                raise RuleViolation(
                    "the police determined your insured "
                    f"{'' if determined else 'not '}at fault; the advance follows their determination",
                    code="insurer.at_fault_determined",
                    field="at_fault",
                )
            fault = determined
        elif at_fault is None:
            raise RuleViolation(
                "state whether your insured is at fault: the police have not determined it yet",
                code="field.missing",
                field="at_fault",
            )
        else:
            fault = at_fault
        limit = head_limit(head, fault)
        if amount.yuan <= 0 or amount > limit:
            raise RuleViolation(
                f"{LIMITS_RULE}: the {head.value} limit is {limit} when the insured is "
                f"{'' if fault else 'not '}at fault"
                + ("; costs above it go to the relief fund" if head in FUND_HEADS else ""),
                code="insurer.advance_over_limit" if amount > limit else "insurer.advance_invalid",
                field="amount",
            )
        if costs is not None and amount > costs:
            raise RuleViolation(
                f"an advance is never more than the costs ({costs})",
                code="insurer.advance_over_costs",
                field="amount",
            )
        over_limit = costs is not None and costs > limit and head in FUND_HEADS
        opens = {}
        if over_limit and not self.fund_notified and Term.FUND_NOTICE not in self.deadlines:
            if policy is None:
                raise ValueError("costs above the limit start the fund's notice clock: a policy is needed")
            opens = {Term.FUND_NOTICE: policy.due(Term.FUND_NOTICE, [self.accident], at)}
        self.record(
            self.InsurerAdvanceConfirmed,
            actor,
            at,
            opens=opens,
            insurer=insurer,
            amount=amount.yuan,
            at_fault=fault,
            head=head.value,
            limit=limit.yuan,
            at_fault_provisional=determined is None,
            costs=None if costs is None else costs.yuan,
            over_limit=over_limit,
        )

    def determine_fault(self, at_fault: Sequence[str], *, actor: Actor, at: datetime) -> None:
        """The accident province's traffic police determine responsibility (交通事故认定, 道路交通安全法
        第七十三条): the plates whose drivers bear any of it. Every insurer's fault follows from then on."""
        self._guard(actor, _ACCIDENT_POLICE, "determine responsibility in")
        if self.fault_determined:
            raise TransitionNotAllowed("responsibility is already determined in this rescue")
        plates = {v.plate for v in self.vehicles if v.plate}
        unknown = sorted(set(at_fault) - plates)
        if unknown:
            raise RuleViolation(
                f"the plates at fault must be vehicles of this rescue: unknown {', '.join(unknown)}",
                code="fault.unknown_plate",
                field="at_fault",
            )
        insurers: dict[str, bool] = {}
        for vehicle in self.vehicles:
            if vehicle.insured and vehicle.insurer:
                insurers[vehicle.insurer] = insurers.get(vehicle.insurer, False) or (
                    vehicle.plate in at_fault
                )
        self.record(
            self.FaultDetermined,
            actor,
            at,
            at_fault=sorted(set(at_fault)),
            insurers=dict(sorted(insurers.items())),
        )

    def notify_fund(
        self,
        reason: FundReason,
        request: FundRequest | None = None,
        *,
        actor: Actor,
        at: datetime,
        policy: DeadlinePolicy,
    ) -> None:
        """Notice to the relief fund of the accident's province, which reviews within 5 working days,
        with what it is asked to advance: rescue costs of at most 7 days from admission (办法 第十四条)
        and funeral costs for the dead."""
        self._guard(actor, _ACCIDENT_OFFICES, "notify the relief fund of")
        if self.fund_notified:
            raise TransitionNotAllowed("the relief fund is already notified")
        route = route_funding(self.driver_fled, self.vehicles)
        justified = reason in route.fund_reasons or (
            reason is FundReason.OVER_LIMIT
            and (self.over_limit or any(a is not None for a in self.insurers.values()))
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
        request = request or FundRequest()
        self._check_request(request)
        opens = {Term.FUND_REVIEW: policy.due(Term.FUND_REVIEW, [self.accident], at)}
        self.record(
            self.FundNotified,
            actor,
            at,
            reason=reason.value,
            closes=[Term.FUND_NOTICE],
            opens=opens,
            rescue_costs=None if request.rescue_costs is None else request.rescue_costs.yuan,
            rescue_costs_until=None
            if request.rescue_costs_until is None
            else request.rescue_costs_until.isoformat(),
            funeral_costs=None if request.funeral_costs is None else request.funeral_costs.yuan,
            deceased=sorted(set(request.deceased)),
        )

    def _check_request(self, request: FundRequest) -> None:
        """What the fund may be asked for (道路交通事故社会救助基金管理办法): rescue costs of admitted
        casualties up to 7 days from admission (第十四条), funeral costs for the dead."""
        rescue = request.rescue_costs is not None and request.rescue_costs.yuan > 0
        if (rescue or request.rescue_costs_until is not None) and self.admitted_on is None:
            raise RuleViolation(
                "rescue costs are those of casualties admitted to hospital; no admission is recorded",
                code="fund.not_admitted",
                field="rescue_costs" if rescue else "rescue_costs_until",
            )
        if rescue and request.rescue_costs_until is None:
            raise RuleViolation(
                "name the last day of treatment the rescue costs cover (rescue_costs_until)",
                code="field.missing",
                field="rescue_costs_until",
            )
        until = request.rescue_costs_until
        if until is not None and self.admitted_on is not None:
            last = last_fund_rescue_day(self.admitted_on)
            if until > last:
                raise RuleViolation(
                    f"{FUND_RESCUE_RULE}: the fund advances rescue costs of at most {FUND_RESCUE_DAYS} days "
                    f"from admission (admitted {self.admitted_on.isoformat()}: up to {last.isoformat()})",
                    code="fund.rescue_beyond_7_days",
                    field="rescue_costs_until",
                )
            if until < self.admitted_on:
                raise RuleViolation(
                    f"rescue costs cannot end before the admission ({self.admitted_on.isoformat()})",
                    code="fund.rescue_before_admission",
                    field="rescue_costs_until",
                )
        unknown = sorted(set(request.deceased) - set(self.casualty_refs))
        if unknown:
            raise RuleViolation(
                f"the deceased must be casualty refs of this rescue: unknown {', '.join(unknown)}",
                code="fund.unknown_deceased",
                field="deceased",
            )
        funeral = request.funeral_costs is not None and request.funeral_costs.yuan > 0
        if funeral and not (request.deceased or self.dead):
            raise RuleViolation(
                "funeral costs are advanced for the dead only; no casualty of this rescue is recorded "
                "dead (name them in deceased)",
                code="fund.no_deceased",
                field="funeral_costs",
            )

    def review_fund(self, approved: bool, amount: Money, *, actor: Actor, at: datetime) -> None:
        self._guard(actor, _ACCIDENT_FUND, "review the fund advance of")
        if not self.fund_notified:
            raise TransitionNotAllowed("the relief fund was not notified of this rescue")
        if self.fund_reviewed:
            raise TransitionNotAllowed("the fund already reviewed this rescue")
        if approved:
            if amount.yuan <= 0:
                raise RuleViolation(
                    "an approved advance needs its amount", code="fund.amount_invalid", field="amount"
                )
            if self.fund_requested is not None and amount.yuan > self.fund_requested:
                raise RuleViolation(
                    f"the fund never advances more than requested ({Money(self.fund_requested)})",
                    code="fund.amount_over_request",
                    field="amount",
                )
            self.record(self.FundAdvancePaid, actor, at, amount=amount.yuan, closes=[Term.FUND_REVIEW])
        else:
            self.record(self.FundAdvanceDenied, actor, at, closes=[Term.FUND_REVIEW])

    def record_recovery(self, liable_party: str, amount: Money, *, actor: Actor, at: datetime) -> None:
        """The fund recovered part or all of its advance from the liable party (办法: 追偿), whenever
        that becomes known — after the rescue is closed too."""
        self.authorize(actor, _ACCIDENT_FUND)
        require_text(liable_party, "liable_party")
        if self.fund_paid <= 0:
            raise TransitionNotAllowed("the fund advanced nothing in this rescue to recover")
        outstanding = self.fund_paid - self.fund_recovered
        if amount.yuan <= 0 or amount.yuan > outstanding:
            raise RuleViolation(
                f"a recovery is between ¥1 and what is still to recover ({Money(max(outstanding, 0))})",
                code="fund.recovery_invalid",
                field="amount",
            )
        self.record(
            self.FundRecoveryRecorded, actor, at, liable_party=liable_party.strip(), amount=amount.yuan
        )

    def close(self, *, actor: Actor, at: datetime) -> None:
        self._guard(actor, _DISPATCH_CENTRE, "close")
        self.record(self.RescueClosed, actor, at, closes=list(self.deadlines))

    # ------------------------------------------------------------------ helpers
    def _guard(self, actor: Actor, allowed: Allowed, action: str) -> None:
        """A rescue command's preamble: `authorize`, then the rescue must still be open — in any of its
        open statuses, as units, insurers and the fund act in whatever order the accident brings."""
        self.authorize(actor, allowed)
        self._require_open(action)

    def _require_open(self, action: str) -> None:
        if self.status == RescueStatus.CLOSED:
            raise TransitionNotAllowed(f"cannot {action} a closed rescue")

    def _dispatch(self, service: Service, province: str, *, actor: Actor, action: str) -> str:
        """The dispatch centre sends one unit of `service`, from whichever province `province` names:
        its code, which joins the case with the dispatch."""
        self._guard(actor, _DISPATCH_CENTRE, action)
        if service in self.units:
            raise TransitionNotAllowed(f"a {service.unit} is already dispatched")
        return province_by_code(province).code

    def _report(self, service: Service, *, actor: Actor, action: str) -> datetime:
        """The dispatched unit of `service` reports, from its own province and role, once: when it was
        sent, which its response time is counted from."""
        if not self.is_visible_to(actor):
            raise CaseNotFound("No such case.")
        self._require_open(action)
        if service not in self.units:
            raise TransitionNotAllowed(f"no {service.unit} was dispatched")
        province, sent = self.units[service]
        if actor.role is not service.role or actor.province != province:
            raise NotPermitted(service.reporters)
        if service in self.reported:
            raise TransitionNotAllowed(f"the {service.report} is already recorded")
        return sent


def _seconds_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))
