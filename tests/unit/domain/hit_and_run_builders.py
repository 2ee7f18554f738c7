"""Builders for HitAndRunCase tests: a valid incident, the actors, and the flow to every status.

A plain module (not a conftest) so the aggregate, state-machine, catch-up and projection tests share
one definition of "a case in status X" built by driving the real commands, never by poking attributes.
The accident happened in 川 (the incident province); the 协查通报 goes to 渝, 贵 and 云; 陕 is added
later when the suspect turns north; 沪 is never involved.
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
from xborder.domain.id_numbers import IdNumber
from xborder.domain.plates import Plate
from xborder.workflows.hit_and_run.aggregate import (
    HitAndRunCase,
    HitAndRunStatus,
    Incident,
    Outcome,
    Place,
    Suspect,
    SuspectVehicle,
)

SC = "510000"  # 川, the incident province
YU = "500000"  # 渝, a target
GUI = "520000"  # 贵, a target
YUN = "530000"  # 云, a target
SHAAN = "610000"  # 陕, a target added later
HU = "310000"  # 沪, never involved
TARGETS = [YU, GUI, YUN]  # already in the order the aggregate keeps them (sorted)

# Fri 2026-11-20 15:00 CST: a working Friday, so the 10-working-day determination clock of a capture
# on that day skips two weekends.
T0 = datetime(2026, 11, 20, 15, 0, tzinfo=CST)
OCCURRED = datetime(2026, 11, 20, 13, 40, tzinfo=CST)
CASE_ID = UUID("3f2b9c1e-7d4a-4e8b-9a6c-1d2e3f4a5b6c")
ACK_HOURS = 12
PLATE = "川A12345"
ID_NUMBER = "11010519491231002X"

POLICY = DeadlinePolicy(calendar=china_calendar(), zones=zone_book())

CHUAN_INV = Actor("inv-sc", SC, Role.INVESTIGATOR)  # the incident province's investigator
YU_INV = Actor("inv-cq", YU, Role.INVESTIGATOR)
GUI_INV = Actor("inv-gz", GUI, Role.INVESTIGATOR)
YUN_INV = Actor("inv-yn", YUN, Role.INVESTIGATOR)
SHAAN_INV = Actor("inv-sn", SHAAN, Role.INVESTIGATOR)
HU_INV = Actor("inv-sh", HU, Role.INVESTIGATOR)  # not involved
CHUAN_POLICE = Actor("jiao-sc", SC, Role.TRAFFIC_POLICE)  # the right province, the wrong role
YU_POLICE = Actor("jiao-cq", YU, Role.TRAFFIC_POLICE)
WATCHER = DEADLINE_WATCHER
INVESTIGATORS = {a.province or "": a for a in (CHUAN_INV, YU_INV, GUI_INV, YUN_INV, SHAAN_INV, HU_INV)}


def ack(code: str) -> str:
    return f"assistance_ack:{code}"


def vehicle(**changes: Any) -> SuspectVehicle:
    """What the witnesses saw: part of a 川A plate, a white Lavida with a broken headlight."""
    base = SuspectVehicle(
        plate=None, plate_partial="川A*23*5", color="白色", model="大众朗逸", features="右前大灯破损"
    )
    return replace(base, **changes)


def incident(**changes: Any) -> Incident:
    base = Incident(
        occurred_at=OCCURRED,
        place=Place(road="G85 渝昆高速", km=1712.5, lat=29.35, lon=105.12),
        dead=1,
        injured=2,
        suspect_vehicle=vehicle(),
        direction=" 向重庆方向逃逸 ",
    )
    return replace(base, **changes)


SUSPECT = Suspect(name="王五", id_number=IdNumber.parse(ID_NUMBER))


def open_case(at: datetime = T0, *, actor: Actor = CHUAN_INV, what: Incident | None = None) -> HitAndRunCase:
    return HitAndRunCase.open(what or incident(), actor=actor, at=at, case_id=CASE_ID)


# ---------------------------------------------------------------- steps of the flow
Step = Callable[[HitAndRunCase, datetime], None]


def request(targets: Sequence[str] = tuple(TARGETS), hours: int | None = ACK_HOURS) -> Step:
    def step(c: HitAndRunCase, at: datetime) -> None:
        c.request_assistance(list(targets), hours, actor=CHUAN_INV, at=at, policy=POLICY)

    step.__name__ = f"request_{'_'.join(targets)}"
    return step


def acknowledge(code: str) -> Step:
    def step(c: HitAndRunCase, at: datetime) -> None:
        c.acknowledge(actor=INVESTIGATORS[code], at=at)

    step.__name__ = f"acknowledge_{code}"
    return step


def clue(code: str, hit: bool = False, details: str = "") -> Step:
    def step(c: HitAndRunCase, at: datetime) -> None:
        c.report_clue(hit, details, actor=INVESTIGATORS[code], at=at)

    step.__name__ = f"clue_{code}"
    return step


def apprehend(code: str = YU, plate: str = PLATE) -> Step:
    def step(c: HitAndRunCase, at: datetime) -> None:
        c.apprehend(Plate.parse(plate), SUSPECT, True, actor=INVESTIGATORS[code], at=at, policy=POLICY)

    step.__name__ = f"apprehend_{code}"
    return step


def handover(c: HitAndRunCase, at: datetime) -> None:
    c.take_handover(actor=CHUAN_INV, at=at)


def solve(c: HitAndRunCase, at: datetime) -> None:
    c.solve(actor=CHUAN_INV, at=at)


def determine(outcome: Outcome = Outcome.CLOSED, points: int | None = 12) -> Step:
    def step(c: HitAndRunCase, at: datetime) -> None:
        c.determine(outcome, points, actor=CHUAN_INV, at=at)

    step.__name__ = f"determine_{outcome.value}"
    return step


def interim(c: HitAndRunCase, at: datetime) -> None:
    c.issue_interim_determination("已查明肇事车辆为白色大众朗逸", actor=CHUAN_INV, at=at)


INTERIM_REFERENCE = "川公交逃申〔2026〕17号"


def interim_request(c: HitAndRunCase, at: datetime) -> None:
    """The victim's written request (146号令 Art 66), recorded by the incident province."""
    c.request_interim_determination(INTERIM_REFERENCE, actor=CHUAN_INV, at=at, policy=POLICY)


def amend(reason: str = "号牌系目击者误认", **changes: Any) -> Step:
    """The incident province amends the suspect vehicle to `vehicle(**changes)`."""

    def step(c: HitAndRunCase, at: datetime) -> None:
        c.amend_suspect_vehicle(vehicle(**changes), reason, actor=CHUAN_INV, at=at)

    step.__name__ = "amend_suspect_vehicle"
    return step


def suspend(c: HitAndRunCase, at: datetime) -> None:
    c.suspend("线索穷尽，暂无侦查方向", actor=CHUAN_INV, at=at)


def reopen(c: HitAndRunCase, at: datetime) -> None:
    c.reopen("群众举报发现疑似车辆", actor=CHUAN_INV, at=at, policy=POLICY)


S = HitAndRunStatus
CAPTURED: Sequence[Step] = (request(), acknowledge(YU), apprehend(YU))
# How to reach every status from a fresh case. 云 never acknowledges on any of these paths.
PATHS: dict[HitAndRunStatus, Sequence[Step]] = {
    S.OPEN: (),
    S.ASSISTANCE_REQUESTED: (request(),),
    S.SUSPECT_APPREHENDED: CAPTURED,
    S.HANDED_OVER: (*CAPTURED, handover),
    S.SOLVED: (*CAPTURED, handover, solve),
    S.SUSPENDED: (request(), acknowledge(YU), suspend),
    S.CLOSED: (*CAPTURED, handover, solve, determine(Outcome.CLOSED, 12)),
    S.TRANSFERRED_TO_CRIMINAL: (*CAPTURED, handover, solve, determine(Outcome.CRIMINAL, 0)),
}
assert set(PATHS) == set(HitAndRunStatus)
TERMINAL = (S.CLOSED, S.TRANSFERRED_TO_CRIMINAL)
DETERMINATION_RUNS = (S.SUSPECT_APPREHENDED, S.HANDED_OVER, S.SOLVED)


def in_status(status: HitAndRunStatus, *, start: datetime = T0) -> HitAndRunCase:
    """A case driven along the flow to `status`, one hour per step, events still pending."""
    c = open_case(start)
    at = start
    for step in PATHS[status]:
        at += timedelta(hours=1)
        step(c, at)
    assert c.status == status
    return c


def replay(events: Sequence[Any]) -> HitAndRunCase:
    agg: Any = None
    for event in events:
        agg = event.mutate(agg)
    assert isinstance(agg, HitAndRunCase)
    return agg


def state(c: HitAndRunCase) -> dict[str, Any]:
    """The aggregate's state, without the pending events (what replay must reproduce)."""
    return {k: v for k, v in c.__dict__.items() if k != "_pending_events"}


def types_of(events: Sequence[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def eod(year: int, month: int, day: int) -> datetime:
    """End of a day in CST: every day-based deadline runs out at 23:59:59."""
    return datetime(year, month, day, 23, 59, 59, tzinfo=CST)
