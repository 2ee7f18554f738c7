"""Builders for VehicleTransfer tests: a valid application, the actors, and the flow to every status.

A plain module (not a conftest) so the aggregate, state-machine and projection tests share one
definition of "a case in status X" built by driving the real commands, never by poking attributes.
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
from xborder.domain.holds import VehicleHold
from xborder.domain.holidays_cn import china_calendar
from xborder.domain.id_numbers import IdNumber
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate
from xborder.domain.provinces import province_by_code
from xborder.domain.vins import Vin
from xborder.workflows.transfer.aggregate import (
    Owner,
    TransferRequest,
    TransferStatus,
    VehicleTransfer,
)

CQ = "500000"  # 渝, the destination in these tests
SC = "510000"  # 川, the origin (province of the plate 川A12345)
SH = "310000"  # 沪, a province not involved

# Fri 2026-11-20 15:00 CST: a working Friday, so a 2-working-day clock skips the weekend.
T0 = datetime(2026, 11, 20, 15, 0, tzinfo=CST)
CASE_ID = UUID("0b6c1f0e-3a3e-4c53-9d0e-2f6a9a1d7c11")

POLICY = DeadlinePolicy(calendar=china_calendar(), zones=zone_book())

ALICE = Actor("alice", CQ, Role.OWNER)  # the applicant
BOB = Actor("bob", CQ, Role.OWNER)  # another owner of the destination province
YU = Actor("yu", CQ, Role.VEHICLE_ADMIN)  # destination 车管所
CHUAN = Actor("chuan", SC, Role.VEHICLE_ADMIN)  # origin 车管所
HU = Actor("hu", SH, Role.VEHICLE_ADMIN)  # 沪 车管所, not involved
POLICE_SC = Actor("jiao", SC, Role.TRAFFIC_POLICE)  # traffic police of the origin
POLICE_CQ = Actor("jing", CQ, Role.TRAFFIC_POLICE)  # traffic police of the destination
WATCHER = DEADLINE_WATCHER

NEW_PLATE = Plate.parse("渝B12345")
HOLD = VehicleHold(
    plate="川A12345",
    kind="hit_and_run",
    case_id=UUID("9d7a35a2-2b4c-4f0b-8c1e-5a6b7c8d9e0f"),
    province=SC,
    reason="suspect vehicle",
)


def application(**changes: Any) -> TransferRequest:
    """A valid 川A12345 → 渝 application; keyword arguments replace fields."""
    base = TransferRequest(
        plate=Plate.parse("川A12345"),
        vin=Vin.parse("1M8GDM9AXKP042788"),
        vehicle_type="small_passenger",
        use="non_commercial",
        owner=Owner(
            name="张三",
            id_number=IdNumber.parse("11010519491231002X"),
            phone=Phone.parse("13800138000"),
        ),
        destination=province_by_code(CQ),
        destination_city="重庆市",
        residence_proof="RP-2026-0001",
    )
    return replace(base, **changes)


def apply(
    at: datetime = T0,
    *,
    actor: Actor = ALICE,
    policy: DeadlinePolicy = POLICY,
    app: TransferRequest | None = None,
) -> VehicleTransfer:
    return VehicleTransfer.apply_for(app or application(), actor=actor, at=at, policy=policy, case_id=CASE_ID)


# ---------------------------------------------------------------- steps of the flow
Step = Callable[[VehicleTransfer, datetime], None]


def release(t: VehicleTransfer, at: datetime) -> None:
    t.release_archive("ARC-510000-0001", actor=CHUAN, at=at, policy=POLICY)


def refuse(t: VehicleTransfer, at: datetime) -> None:
    t.refuse(["unresolved_violations"], "3 open violations", actor=CHUAN, at=at)


def verify(t: VehicleTransfer, at: datetime) -> None:
    t.verify_archive(True, "", actor=YU, at=at)


def reject(t: VehicleTransfer, at: datetime) -> None:
    t.verify_archive(False, "archive VIN does not match", actor=YU, at=at)


def inspect_pass(t: VehicleTransfer, at: datetime) -> None:
    t.inspect(True, [], ["photo:front", "rubbing:vin"], actor=YU, at=at, policy=POLICY)


def inspect_fail(t: VehicleTransfer, at: datetime) -> None:
    t.inspect(False, ["VIN rubbing unreadable"], ["photo:vin"], actor=YU, at=at, policy=POLICY)


def register(t: VehicleTransfer, at: datetime) -> None:
    t.register(NEW_PLATE, actor=YU, at=at)


def withdraw(t: VehicleTransfer, at: datetime) -> None:
    t.withdraw("changed my mind", actor=ALICE, at=at)


def lapse(t: VehicleTransfer, at: datetime) -> None:
    # Far beyond the 30-day lapse of any release done in these flows.
    assert t.mark_overdue("transfer_lapse", at + timedelta(days=60), WATCHER)


# How to reach every status from a fresh application (archive_requested).
PATHS: dict[TransferStatus, Sequence[Step]] = {
    TransferStatus.ARCHIVE_REQUESTED: (),
    TransferStatus.ARCHIVE_RELEASED: (release,),
    TransferStatus.ARCHIVE_VERIFIED: (release, verify),
    TransferStatus.INSPECTED: (release, verify, inspect_pass),
    TransferStatus.REGISTERED: (release, verify, inspect_pass, register),
    TransferStatus.REFUSED: (refuse,),
    TransferStatus.ARCHIVE_REJECTED: (release, reject),
    TransferStatus.WITHDRAWN: (withdraw,),
    TransferStatus.LAPSED: (release, lapse),
}
assert set(PATHS) == set(TransferStatus)

OPEN_STATUSES = tuple(s for s in TransferStatus if s not in VehicleTransfer.TERMINAL)
TERMINAL_STATUSES = tuple(s for s in TransferStatus if s in VehicleTransfer.TERMINAL)


def in_status(status: TransferStatus, *, start: datetime = T0) -> VehicleTransfer:
    """A transfer driven along the flow to `status`, one hour per step, events still pending."""
    t = apply(start)
    at = start
    for step in PATHS[status]:
        at += timedelta(hours=1)
        step(t, at)
    assert t.status == status
    return t


def replay(events: Sequence[Any]) -> VehicleTransfer:
    agg: Any = None
    for event in events:
        agg = event.mutate(agg)
    assert isinstance(agg, VehicleTransfer)
    return agg


def state(t: VehicleTransfer) -> dict[str, Any]:
    """The aggregate's state, without the pending events (what replay must reproduce)."""
    return {k: v for k, v in t.__dict__.items() if k != "_pending_events"}
