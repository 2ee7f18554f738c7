from __future__ import annotations

import pytest

from xborder.domain.errors import InvalidValue
from xborder.domain.vins import Vin, vin_check_digit


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1M8GDM9AXKP042788", "1M8GDM9AXKP042788"),
        (" 1m8gdm9axkp042788\n", "1M8GDM9AXKP042788"),
        ("11111111111111111", "11111111111111111"),
        ("JHMCM56557C404453", "JHMCM56557C404453"),
        ("LFV2A21K8A3000001", "LFV2A21K8A3000001"),
        ("LSVAU218XN2183294", "LSVAU218XN2183294"),  # remainder 10 → X
    ],
)
def test_valid(raw: str, value: str) -> None:
    vin = Vin.parse(raw)
    assert vin.value == value
    assert str(vin) == value
    assert vin_check_digit(value) == value[8]


@pytest.mark.parametrize(
    ("raw", "detail_contains"),
    [
        ("1M8GDM9AXKP04278", "17 characters"),
        ("1M8GDM9AXKP0427888", "17 characters"),
        ("", "17 characters"),
        ("1M8GDM9AXKP04278I", "I, O or Q"),
        ("1M8GDM9AXKPO42788", "I, O or Q"),
        ("QM8GDM9AXKP042788", "I, O or Q"),
        ("1M8GDM9AXKP04278-", "only digits"),
        ("1M8GDM9A川KP042788", "only digits"),
        ("1M8GDM9A1KP042788", "check digit"),
        ("1M8GDM9AXKP042789", "check digit"),
        ("LSVAU21800N218329", "check digit"),
    ],
)
def test_invalid(raw: str, detail_contains: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        Vin.parse(raw)
    assert exc.value.code == "vin.invalid"
    assert detail_contains in exc.value.detail


def test_non_text_rejected() -> None:
    with pytest.raises(InvalidValue) as exc:
        Vin.parse(12345678901234567)  # type: ignore[arg-type]
    assert exc.value.code == "vin.invalid"


def test_direct_construction_validates() -> None:
    with pytest.raises(InvalidValue):
        Vin("1m8gdm9axkp042788")
