"""Builders for ViolationObjection tests: a valid filing, the actors, and the flow to every status.

A plain module (not a conftest) so the aggregate, state-machine and projection tests share one
definition of "an objection in status X" built by driving the real commands, never by poking attributes.
The party drives a 川 car, was recorded by a 浙 camera, and objects at home in 川: 川 is the handling
province, 浙 the recording province.
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
from xborder.domain.money import Money
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate
from xborder.domain.provinces import province_by_code
from xborder.workflows.objection.aggregate import (
    Ground,
    ObjectionFiling,
    ObjectionStatus,
    Party,
    Violation,
    ViolationObjection,
)

SC = "510000"  # 川, the handling province (where the party files)
ZJ = "330000"  # 浙, the recording province (where the camera stands)
SH = "310000"  # 沪, a province not involved

# Fri 2026-11-20 15:00 CST: a working Friday, so the 5-working-day review clock skips a weekend.
T0 = datetime(2026, 11, 20, 15, 0, tzinfo=CST)
# Before every filing time the tests use (the earliest is 2026-09-21).
OCCURRED = datetime(2026, 8, 28, 8, 30, tzinfo=CST)
CASE_ID = UUID("5c0a7e3b-8f3d-4a51-a1f2-6b7c8d9e0a12")
RECORD = "3301062026082800123"
FINE = 200
POINTS = 3

POLICY = DeadlinePolicy(calendar=china_calendar(), zones=zone_book())

DRIVER = Actor("driver", SC, Role.OWNER)  # the party, filing at 川
OTHER_DRIVER = Actor("other-driver", SC, Role.OWNER)  # an owner of 川 who did not file
CHUAN_POLICE = Actor("chuan-police", SC, Role.TRAFFIC_POLICE)  # handling
ZHE_POLICE = Actor("zhe-police", ZJ, Role.TRAFFIC_POLICE)  # recording
HU_POLICE = Actor("hu-police", SH, Role.TRAFFIC_POLICE)  # uninvolved
CHUAN_ADMIN = Actor("chuan-admin", SC, Role.VEHICLE_ADMIN)  # right province, wrong role
WATCHER = DEADLINE_WATCHER


def violation(**changes: Any) -> Violation:
    """The 浙 camera record of 川A12345 (speeding, ¥200, 3 points, penalty decided)."""
    base = Violation(
        record_number=RECORD,
        plate=Plate.parse("川A12345"),
        occurred_at=OCCURRED,
        place="G60 沪昆高速 杭州段 K152",
        code="1352",
        fine=Money(FINE),
        points=POINTS,
        penalty_decided=True,
    )
    return replace(base, **changes)


def filing(**changes: Any) -> ObjectionFiling:
    """A valid objection (plate misread) against the 浙 record; keyword arguments replace fields."""
    base = ObjectionFiling(
        recording=province_by_code(ZJ),
        violation=violation(),
        ground=Ground.PLATE_MISREAD,
        ground_detail="",
        police_report_number=None,
        party=Party(
            name="李四",
            id_number=IdNumber.parse("11010519491231002X"),
            phone=Phone.parse("13800138000"),
        ),
        evidence=("photo:parking-receipt",),
    )
    return replace(base, **changes)


def file(
    at: datetime = T0,
    *,
    actor: Actor = DRIVER,
    policy: DeadlinePolicy = POLICY,
    objection: ObjectionFiling | None = None,
    penalty_decided: bool = True,
) -> ViolationObjection:
    if objection is None:
        objection = filing(violation=violation(penalty_decided=penalty_decided))
    return ViolationObjection.file(objection, actor=actor, at=at, policy=policy, case_id=CASE_ID)


# ---------------------------------------------------------------- steps of the flow
Step = Callable[[ViolationObjection, datetime], None]


def review(o: ViolationObjection, at: datetime) -> None:
    o.start_review(actor=ZHE_POLICE, at=at)


def request(o: ViolationObjection, at: datetime) -> None:
    o.request_evidence("请调取当日停车场出入记录", actor=ZHE_POLICE, at=at)


def supply(o: ViolationObjection, at: datetime) -> None:
    o.supply_evidence(["doc:parking-log-0828"], "停车场记录显示车辆当时在成都", actor=CHUAN_POLICE, at=at)


def uphold(o: ViolationObjection, at: datetime) -> None:
    o.decide(True, "号牌识别错误", actor=ZHE_POLICE, at=at, policy=POLICY)


def dismiss(o: ViolationObjection, at: datetime) -> None:
    o.decide(False, "照片清晰，号牌无误", actor=ZHE_POLICE, at=at, policy=POLICY)


def refund(o: ViolationObjection, at: datetime) -> None:
    o.complete_refund(Money(FINE), actor=ZHE_POLICE, at=at)


def eliminate(o: ViolationObjection, at: datetime) -> None:
    o.eliminate_record(actor=ZHE_POLICE, at=at)


def withdraw(o: ViolationObjection, at: datetime) -> None:
    o.withdraw("已自行缴纳", actor=DRIVER, at=at)


# How to reach every status from a fresh filing (forwarded), with a decided penalty.
PATHS: dict[ObjectionStatus, Sequence[Step]] = {
    ObjectionStatus.FORWARDED: (),
    ObjectionStatus.UNDER_REVIEW: (review,),
    ObjectionStatus.EVIDENCE_REQUESTED: (review, request),
    ObjectionStatus.UPHELD: (review, uphold),
    ObjectionStatus.DISMISSED: (review, dismiss),
    ObjectionStatus.WITHDRAWN: (withdraw,),
    ObjectionStatus.REFUNDED: (review, uphold, refund),
}
assert set(PATHS) == set(ObjectionStatus)

OPEN = (ObjectionStatus.FORWARDED, ObjectionStatus.UNDER_REVIEW, ObjectionStatus.EVIDENCE_REQUESTED)
TERMINAL = (ObjectionStatus.DISMISSED, ObjectionStatus.WITHDRAWN)


def in_status(
    status: ObjectionStatus, *, start: datetime = T0, penalty_decided: bool = True
) -> ViolationObjection:
    """An objection driven along the flow to `status`, one hour per step, events still pending."""
    o = file(start, penalty_decided=penalty_decided)
    at = start
    for step in PATHS[status]:
        at += timedelta(hours=1)
        step(o, at)
    assert o.status == status
    return o


def replay(events: Sequence[Any]) -> ViolationObjection:
    agg: Any = None
    for event in events:
        agg = event.mutate(agg)
    assert isinstance(agg, ViolationObjection)
    return agg


def state(o: ViolationObjection) -> dict[str, Any]:
    """The aggregate's state, without the pending events (what replay must reproduce)."""
    return {k: v for k, v in o.__dict__.items() if k != "_pending_events"}
