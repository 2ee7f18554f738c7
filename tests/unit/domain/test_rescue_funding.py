"""Who advances a rescue's costs (DOMAIN.md §4; 交强险条例 Art 22, 24, 31): the routing table, every branch,
and the 交强险 medical limits."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.unit.domain.rescue_builders import (
    CPIC_CAR,
    NO_INSURER_CAR,
    NO_POLICY_CAR,
    PICC_CAR,
    UNINSURED_CAR,
    UNKNOWN_CAR,
)
from xborder.domain.money import Money
from xborder.workflows.rescue.funding import (
    MEDICAL_LIMIT_AT_FAULT,
    MEDICAL_LIMIT_NOT_AT_FAULT,
    FundingRoute,
    FundReason,
    VehicleCover,
    medical_limit,
    route_funding,
)

FLED = (FundReason.DRIVER_FLED,)
UNINSURED = (FundReason.UNINSURED,)
EMPTY_STRINGS = VehicleCover("渝E11223", "", "")  # blank fields are no cover either

# (driver fled, vehicles, insurers to notify, reasons the fund is notified at once)
ROUTES: dict[str, tuple[bool, Sequence[VehicleCover], tuple[VehicleCover, ...], tuple[FundReason, ...]]] = {
    # A fled driver: the fund alone, whatever cover the vehicles have (Art 24).
    "fled_with_insured_vehicles": (True, [PICC_CAR, CPIC_CAR], (), FLED),
    "fled_with_one_insured_vehicle": (True, [PICC_CAR], (), FLED),
    "fled_with_uninsured_vehicle": (True, [UNINSURED_CAR], (), FLED),
    "fled_with_mixed_vehicles": (True, [PICC_CAR, UNINSURED_CAR, NO_POLICY_CAR], (), FLED),
    "fled_with_no_vehicles": (True, [], (), FLED),
    "fled_with_the_unknown_fleeing_car": (True, [UNKNOWN_CAR], (), FLED),
    # Driver known, every vehicle insured: exactly those insurers, no fund.
    "known_one_insured": (False, [PICC_CAR], (PICC_CAR,), ()),
    "known_all_insured": (False, [PICC_CAR, CPIC_CAR], (PICC_CAR, CPIC_CAR), ()),
    "known_all_insured_order_kept": (False, [CPIC_CAR, PICC_CAR], (CPIC_CAR, PICC_CAR), ()),
    # Driver known, one vehicle without 交强险 among insured ones: those insurers and the fund.
    "known_insured_and_no_cover": (False, [PICC_CAR, UNINSURED_CAR], (PICC_CAR,), UNINSURED),
    "known_insured_and_insurer_missing": (False, [PICC_CAR, NO_INSURER_CAR], (PICC_CAR,), UNINSURED),
    "known_insured_and_policy_missing": (False, [NO_POLICY_CAR, PICC_CAR], (PICC_CAR,), UNINSURED),
    "known_insured_and_blank_cover": (False, [CPIC_CAR, EMPTY_STRINGS], (CPIC_CAR,), UNINSURED),
    "known_two_insured_and_one_not": (
        False,
        [PICC_CAR, UNINSURED_CAR, CPIC_CAR],
        (PICC_CAR, CPIC_CAR),
        UNINSURED,
    ),
    # Driver known, no vehicle insured at all: the fund alone.
    "known_only_uninsured": (False, [UNINSURED_CAR], (), UNINSURED),
    "known_only_policy_missing": (False, [NO_POLICY_CAR, NO_INSURER_CAR], (), UNINSURED),
    # No vehicle recorded and the driver known: nobody's 交强险 to call on, so the fund.
    "known_no_vehicles": (False, [], (), UNINSURED),
}


@pytest.mark.parametrize(("fled", "vehicles", "insurers", "reasons"), list(ROUTES.values()), ids=list(ROUTES))
def test_routing_table(
    fled: bool,
    vehicles: Sequence[VehicleCover],
    insurers: tuple[VehicleCover, ...],
    reasons: tuple[FundReason, ...],
) -> None:
    route = route_funding(fled, vehicles)
    assert route == FundingRoute(insurers=insurers, fund_reasons=reasons)
    assert route.insurers == insurers
    assert route.fund_reasons == reasons
    assert route.fund_needed is bool(reasons)
    # The insurers named are exactly the insured vehicles, never a vehicle without full cover.
    assert all(v.insured for v in route.insurers)
    if fled:
        assert route.insurers == ()
        assert route.fund_reasons == FLED


def test_routing_accepts_a_tuple_and_does_not_change_its_input() -> None:
    vehicles = (PICC_CAR, UNINSURED_CAR)
    assert route_funding(False, vehicles) == FundingRoute((PICC_CAR,), UNINSURED)
    assert vehicles == (PICC_CAR, UNINSURED_CAR)


@pytest.mark.parametrize(
    ("cover", "insured"),
    [
        (PICC_CAR, True),
        (CPIC_CAR, True),
        (UNINSURED_CAR, False),
        (NO_POLICY_CAR, False),
        (NO_INSURER_CAR, False),
        (EMPTY_STRINGS, False),
        (UNKNOWN_CAR, False),
        (VehicleCover(None, "PICC", "P1"), True),  # a plate is not needed to be insured
    ],
)
def test_a_vehicle_is_insured_only_with_both_insurer_and_policy(cover: VehicleCover, insured: bool) -> None:
    assert cover.insured is insured


@pytest.mark.parametrize(("at_fault", "limit"), [(True, 18_000), (False, 1_800)])
def test_medical_limit(at_fault: bool, limit: int) -> None:
    assert medical_limit(at_fault) == Money(limit)
    assert medical_limit(at_fault).yuan == limit


def test_medical_limit_constants() -> None:
    assert MEDICAL_LIMIT_AT_FAULT.yuan == 18_000
    assert MEDICAL_LIMIT_NOT_AT_FAULT.yuan == 1_800
    assert MEDICAL_LIMIT_NOT_AT_FAULT < MEDICAL_LIMIT_AT_FAULT


def test_fund_reasons_are_the_api_values() -> None:
    assert [r.value for r in FundReason] == ["driver_fled", "uninsured", "over_limit"]
