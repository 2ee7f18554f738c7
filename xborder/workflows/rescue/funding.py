"""Who advances the rescue costs (交强险条例 Art 22, 23, 24, 31; 道路交通事故社会救助基金管理办法).

An insured vehicle whose driver is known: its 交强险 insurer advances, under one of the three heads
(分项责任限额) and never above that head's limit — the limit for an insured at fault, or the lower one
for an insured not at fault (fault as the police determine it). A driver who fled, a vehicle without
交强险, or costs above the limit: the relief fund of the accident's province advances rescue costs of
at most 7 days from admission and funeral costs (办法 第十四条), never more than requested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from xborder.domain.money import Money

MEDICAL_LIMIT_AT_FAULT = Money(18_000)
MEDICAL_LIMIT_NOT_AT_FAULT = Money(1_800)
# The rule the limits are refused under, as a refusal names it.
LIMITS_RULE: Final = "《机动车交通事故责任强制保险条例》第二十三条 (交强险分项责任限额)"
# The fund's rescue costs are those of at most this many days from admission, as refusals name it.
FUND_RESCUE_DAYS: Final = 7
FUND_RESCUE_RULE: Final = "《道路交通事故社会救助基金管理办法》第十四条"


class Head(StrEnum):
    """The three heads of 交强险 cover, each with its own limit (分项责任限额)."""

    MEDICAL = "medical"  # 医疗费用
    DEATH_DISABILITY = "death_disability"  # 死亡伤残
    PROPERTY = "property"  # 财产损失


# head -> (limit when the insured is at fault, limit when not): the limits in force since 2020-09-19.
LIMITS: Final = {
    Head.MEDICAL: (MEDICAL_LIMIT_AT_FAULT, MEDICAL_LIMIT_NOT_AT_FAULT),
    Head.DEATH_DISABILITY: (Money(180_000), Money(18_000)),
    Head.PROPERTY: (Money(2_000), Money(100)),
}
# The heads whose costs above the limit the relief fund advances: rescue (medical) and funeral (death)
# costs; property damage never goes to the fund.
FUND_HEADS: Final = frozenset({Head.MEDICAL, Head.DEATH_DISABILITY})


class FundReason(StrEnum):
    DRIVER_FLED = "driver_fled"
    UNINSURED = "uninsured"
    OVER_LIMIT = "over_limit"


@dataclass(frozen=True, slots=True)
class VehicleCover:
    plate: str | None
    insurer: str | None
    policy: str | None

    @property
    def insured(self) -> bool:
        return bool(self.insurer and self.policy)


@dataclass(frozen=True, slots=True)
class FundingRoute:
    """Which payers the rules send the rescue to, before any costs are known."""

    insurers: tuple[VehicleCover, ...]  # insured vehicles whose insurer is to be notified
    fund_reasons: tuple[FundReason, ...]  # reasons the relief fund must be notified at once

    @property
    def fund_needed(self) -> bool:
        return bool(self.fund_reasons)


def route_funding(driver_fled: bool, vehicles: Sequence[VehicleCover]) -> FundingRoute:
    if driver_fled:
        # the fleeing driver's insurer is unknown and the driver liable: the fund advances (Art 24)
        return FundingRoute(insurers=(), fund_reasons=(FundReason.DRIVER_FLED,))
    insured = tuple(v for v in vehicles if v.insured)
    reasons = (FundReason.UNINSURED,) if any(not v.insured for v in vehicles) or not vehicles else ()
    return FundingRoute(insurers=insured, fund_reasons=reasons)


def head_limit(head: Head, at_fault: bool) -> Money:
    """The 交强险 limit of `head` for an insured at fault, or not (条例 第二十三条)."""
    at, not_at = LIMITS[head]
    return at if at_fault else not_at


def medical_limit(at_fault: bool) -> Money:
    return head_limit(Head.MEDICAL, at_fault)


def last_fund_rescue_day(admitted: date) -> date:
    """The last day whose rescue costs the fund advances for a patient admitted on `admitted`: 7 days
    from admission, the day of admission itself not counted (民法典 第二百零一条)."""
    return admitted + timedelta(days=FUND_RESCUE_DAYS)
