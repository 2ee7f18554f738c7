"""Who advances the rescue costs (交强险条例 Art 22, 24, 31; 道路交通事故社会救助基金管理办法).

An insured vehicle whose driver is known: its 交强险 insurer advances the medical costs, up to the
medical limit (¥18,000 when the insured is at fault, ¥1,800 when not). A driver who fled, a vehicle
without 交强险, or costs above the limit: the relief fund of the accident's province advances them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from xborder.domain.money import Money

MEDICAL_LIMIT_AT_FAULT = Money(18_000)
MEDICAL_LIMIT_NOT_AT_FAULT = Money(1_800)


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


def medical_limit(at_fault: bool) -> Money:
    return MEDICAL_LIMIT_AT_FAULT if at_fault else MEDICAL_LIMIT_NOT_AT_FAULT
