"""Builders for JointRescue tests: a valid report, the actors, and the flow to every status.

A plain module (not a conftest) so the funding, aggregate, state-machine and projection tests share one
definition of "a rescue in status X" built by driving the real commands, never by poking attributes.
The accident happened in 渝 on the 渝川 border (渝 is the accident province, its dispatch centre opens the
rescue); the nearest police unit and hospital are 川's, so 川 joins as a responder; 沪 is never involved.
Two cars collided: 渝A12345 insured by PICC, 川A54321 insured by CPIC.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from tests.support.terms import zone_book
from xborder.domain.actors import DEADLINE_WATCHER, Actor, Role
from xborder.domain.calendar import CST
from xborder.domain.cases import DeadlinePolicy
from xborder.domain.holidays_cn import china_calendar
from xborder.domain.money import Money
from xborder.workflows.rescue.aggregate import (
    Casualty,
    FundRequest,
    JointRescue,
    RescueReport,
    RescueStatus,
    Severity,
)
from xborder.workflows.rescue.funding import FundReason, Head, VehicleCover

YU = "500000"  # 渝, the accident province
SC = "510000"  # 川, the dispatched units' province (a responder)
GUI = "520000"  # 贵, a province a unit could also come from
HU = "310000"  # 沪, never involved

# Fri 2026-11-20 15:00 CST: a working Friday, so the 3- and 5-working-day fund clocks skip a weekend.
T0 = datetime(2026, 11, 20, 15, 0, tzinfo=CST)
OCCURRED = datetime(2026, 11, 20, 14, 52, tzinfo=CST)
RESCUE_ID = UUID("7a4d2c1b-9e8f-4a3b-8c2d-1e0f9a8b7c6d")

POLICY = DeadlinePolicy(calendar=china_calendar(), zones=zone_book())

DISPATCHER = Actor("yu-120", YU, Role.DISPATCHER)  # the accident province's dispatch centre
YU_POLICE = Actor("yu-police", YU, Role.TRAFFIC_POLICE)  # the accident province's traffic police
SC_POLICE = Actor("sc-police", SC, Role.TRAFFIC_POLICE)  # the dispatched unit's province
HOSPITAL = Actor("ga-hospital", SC, Role.MEDICAL)  # the dispatched hospital's province
PICC = Actor("picc", YU, Role.INSURER, org="PICC")
CPIC = Actor("cpic", YU, Role.INSURER, org="CPIC")
FUND = Actor("yu-fund", YU, Role.FUND)  # the accident province's relief fund
# the wrong ones
SC_DISPATCHER = Actor("sc-120", SC, Role.DISPATCHER)  # a responder's dispatch centre
SC_FUND = Actor("sc-fund", SC, Role.FUND)  # a responder's relief fund
YU_HOSPITAL = Actor("yu-hospital", YU, Role.MEDICAL)  # a hospital of the accident province
PINGAN = Actor("pingan", YU, Role.INSURER, org="PINGAN")  # covers no vehicle of this rescue
NO_ORG_INSURER = Actor("someone", YU, Role.INSURER)
HU_POLICE = Actor("hu-police", HU, Role.TRAFFIC_POLICE)  # a province not involved
HU_DISPATCHER = Actor("hu-120", HU, Role.DISPATCHER)
WATCHER = DEADLINE_WATCHER

PICC_CAR = VehicleCover("渝A12345", "PICC", "PDZA2026500000012345")
CPIC_CAR = VehicleCover("川A54321", "CPIC", "PDZA2026510000054321")
UNINSURED_CAR = VehicleCover("渝B67890", None, None)
NO_POLICY_CAR = VehicleCover("渝C24680", "PINGAN", None)  # an insurer named, but no policy
NO_INSURER_CAR = VehicleCover("渝D13579", None, "PDZA2026500000099999")
UNKNOWN_CAR = VehicleCover(None, None, None)  # the fleeing car: nothing known

NOTES = {"P1": "左股骨骨折, 失血", "P2": "软组织挫伤"}
CASUALTIES = (
    Casualty("P1", Severity.SERIOUS, NOTES["P1"]),
    Casualty("P2", Severity.MINOR, NOTES["P2"]),
)


def report(**changes: Any) -> RescueReport:
    """Two insured cars on G75 at the 渝川 border, two casualties, both drivers known."""
    base = RescueReport(
        occurred_at=OCCURRED,
        road="G75 兰海高速 (渝川界)",
        km=2101.3,
        lat=30.02,
        lon=106.28,
        casualties=CASUALTIES,
        vehicles=(PICC_CAR, CPIC_CAR),
        driver_fled=False,
    )
    return replace(base, **changes)


def open_rescue(
    at: datetime = T0,
    *,
    actor: Actor = DISPATCHER,
    what: RescueReport | None = None,
    case_id: UUID | None = RESCUE_ID,
) -> JointRescue:
    return JointRescue.open(what or report(), actor=actor, at=at, policy=POLICY, case_id=case_id)


# ---------------------------------------------------------------- steps of the flow
Step = Callable[[JointRescue, datetime], None]


def dispatch_police(province: str = SC) -> Step:
    def step(r: JointRescue, at: datetime) -> None:
        r.dispatch_police("四川高速公路交警六支队三大队", province, actor=DISPATCHER, at=at)

    step.__name__ = f"dispatch_police_{province}"
    return step


def dispatch_medical(province: str = SC) -> Step:
    def step(r: JointRescue, at: datetime) -> None:
        r.dispatch_medical("广安市人民医院", province, actor=DISPATCHER, at=at)

    step.__name__ = f"dispatch_medical_{province}"
    return step


def arrive(actor: Actor = SC_POLICE) -> Step:
    def step(r: JointRescue, at: datetime) -> None:
        r.report_police_arrival(actor=actor, at=at)

    step.__name__ = f"arrive_{actor.sub}"
    return step


def admit(patients: Sequence[str] = ("P1", "P2"), actor: Actor = HOSPITAL) -> Step:
    def step(r: JointRescue, at: datetime) -> None:
        r.admit_patients(list(patients), actor=actor, at=at)

    step.__name__ = f"admit_{'_'.join(patients)}"
    return step


def notify_insurer(car: VehicleCover = PICC_CAR, actor: Actor = DISPATCHER) -> Step:
    def step(r: JointRescue, at: datetime) -> None:
        r.notify_insurer(car.insurer or "", car.policy or "", actor=actor, at=at)

    step.__name__ = f"notify_{car.insurer}"
    return step


def confirm(insurer: Actor = PICC, amount: int = 18_000, at_fault: bool = True) -> Step:
    def step(r: JointRescue, at: datetime) -> None:
        r.confirm_insurer_advance(Money(amount), at_fault, actor=insurer, at=at)

    step.__name__ = f"confirm_{insurer.org}_{amount}"
    return step


def notify_fund(reason: FundReason, actor: Actor = DISPATCHER) -> Step:
    def step(r: JointRescue, at: datetime) -> None:
        r.notify_fund(reason, actor=actor, at=at, policy=POLICY)

    step.__name__ = f"notify_fund_{reason.value}"
    return step


def determine(at_fault: Sequence[str], actor: Actor = YU_POLICE) -> Step:
    """The accident province's police determine who is at fault (by plate)."""

    def step(r: JointRescue, at: datetime) -> None:
        r.determine_fault(list(at_fault), actor=actor, at=at)

    step.__name__ = f"determine_{'_'.join(at_fault) or 'nobody'}"
    return step


def advance_under(
    head: Head, amount: int, at_fault: bool | None = None, costs: int | None = None, insurer: Actor = PICC
) -> Step:
    """An advance under a 交强险 head, with the costs under it when stated."""

    def step(r: JointRescue, at: datetime) -> None:
        stated = None if costs is None else Money(costs)
        r.confirm_insurer_advance(Money(amount), at_fault, head, stated, actor=insurer, at=at, policy=POLICY)

    step.__name__ = f"advance_{insurer.org}_{head.value}_{amount}"
    return step


def request_fund(reason: FundReason, request: FundRequest, actor: Actor = DISPATCHER) -> Step:
    """The fund's notice with what it is asked to advance."""

    def step(r: JointRescue, at: datetime) -> None:
        r.notify_fund(reason, request, actor=actor, at=at, policy=POLICY)

    step.__name__ = f"request_fund_{reason.value}"
    return step


def recover(amount: int, liable_party: str = "张三") -> Step:
    def step(r: JointRescue, at: datetime) -> None:
        r.record_recovery(liable_party, Money(amount), actor=FUND, at=at)

    step.__name__ = f"recover_{amount}"
    return step


def review(approved: bool = True, amount: int = 9_500) -> Step:
    def step(r: JointRescue, at: datetime) -> None:
        r.review_fund(approved, Money(amount), actor=FUND, at=at)

    step.__name__ = "fund_paid" if approved else "fund_denied"
    return step


def close(r: JointRescue, at: datetime) -> None:
    r.close(actor=DISPATCHER, at=at)


def overdue(name: str) -> Step:
    def step(r: JointRescue, at: datetime) -> None:
        assert r.mark_overdue(name, at, WATCHER), f"{name} was not overdue at {at}"

    step.__name__ = f"overdue_{name}"
    return step


S = RescueStatus
RESPONDED: Sequence[Step] = (dispatch_police(), dispatch_medical())
ADMITTED: Sequence[Step] = (*RESPONDED, arrive(), admit())
INSURED: Sequence[Step] = (*ADMITTED, notify_insurer(), confirm())
# How to reach every status from a fresh rescue of the default report (two insured cars).
PATHS: dict[RescueStatus, Sequence[Step]] = {
    S.OPEN: (),
    S.RESPONDING: RESPONDED,
    S.PATIENTS_ADMITTED: ADMITTED,
    S.FUNDING_CONFIRMED: INSURED,
    S.FUNDING_DENIED: (*INSURED, notify_fund(FundReason.OVER_LIMIT), review(approved=False)),
    S.CLOSED: (*INSURED, close),
}
assert set(PATHS) == set(RescueStatus)


def in_status(status: RescueStatus, *, start: datetime = T0, what: RescueReport | None = None) -> JointRescue:
    """A rescue driven along the flow to `status`, ten minutes per step, events still pending."""
    r = open_rescue(start, what=what)
    at = start
    for step in PATHS[status]:
        at += timedelta(minutes=10)
        step(r, at)
    assert r.status == status
    return r


def drive(r: JointRescue, steps: Sequence[Step], *, start: datetime = T0) -> datetime:
    """Run `steps` on `r`, ten minutes apart; returns the time of the last one."""
    at = start
    for step in steps:
        at += timedelta(minutes=10)
        step(r, at)
    return at


def replay(events: Sequence[Any]) -> JointRescue:
    agg: Any = None
    for event in events:
        agg = event.mutate(agg)
    assert isinstance(agg, JointRescue)
    return agg


def state(r: JointRescue) -> dict[str, Any]:
    """The aggregate's state, without the pending events (what replay must reproduce)."""
    return {k: v for k, v in r.__dict__.items() if k != "_pending_events"}


def types_of(events: Sequence[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def eod(year: int, month: int, day: int) -> datetime:
    """End of a day in CST: every day-based deadline runs out at 23:59:59."""
    return datetime(year, month, day, 23, 59, 59, tzinfo=CST)
