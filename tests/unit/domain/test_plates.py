from __future__ import annotations

import pytest

from xborder.domain.errors import InvalidValue
from xborder.domain.plates import Plate, parse_plate_partial


@pytest.mark.parametrize(
    ("raw", "value", "province", "office", "new_energy"),
    [
        ("川A12345", "川A12345", "510000", "A", False),
        ("渝B2345挂", "渝B2345挂", "500000", "B", False),
        ("粤BD12345", "粤BD12345", "440000", "B", True),
        ("粤B12345D", "粤B12345D", "440000", "B", True),
        ("粤BFA1234", "粤BFA1234", "440000", "B", True),
        ("  川a1b2c3 ", "川A1B2C3", "510000", "A", False),
        ("粤Z1234港", "粤Z1234港", "440000", "Z", False),
        ("粤Z1234澳", "粤Z1234澳", "440000", "Z", False),
        ("川A1234警", "川A1234警", "510000", "A", False),
        ("川A1234学", "川A1234学", "510000", "A", False),
        ("沪A1234领", "沪A1234领", "310000", "A", False),
        ("新AQQQQQ", "新AQQQQQ", "650000", "A", False),
        ("苏ed12345", "苏ED12345", "320000", "E", True),
    ],
)
def test_valid(raw: str, value: str, province: str, office: str, new_energy: bool) -> None:
    plate = Plate.parse(raw)
    assert plate.value == value
    assert str(plate) == value
    assert plate.province.code == province
    assert plate.office == office
    assert plate.is_new_energy is new_energy
    assert Plate(value) == plate


@pytest.mark.parametrize(
    ("raw", "detail_contains"),
    [
        ("川AI2345", "I or O"),
        ("川AO2345", "I or O"),
        ("川A1234", "wrong length"),
        ("川A123456789", "wrong length"),
        ("X A12345", "province"),
        ("XA12345", "province"),
        ("台A12345", "province"),
        ("", "empty"),
        ("   ", "empty"),
        ("川A12345Q", "new-energy"),
        ("川A1234D5", "new-energy"),
        ("川AD1234X", "new-energy"),
        ("川1A2345", "office"),
        ("川 12345", "unexpected character"),
        ("川A挂2345", "serial"),
        ("川A123挂4", "serial"),
        ("川A1234川", "serial"),
        ("川AD12345挂", "wrong length"),
        ("川A12-45", "unexpected character"),
    ],
)
def test_invalid(raw: str, detail_contains: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        Plate.parse(raw)
    assert exc.value.code == "plate.invalid"
    assert detail_contains in exc.value.detail


@pytest.mark.parametrize("bad", [None, 1234567, b"\xe5\xb7\x9dA12345"])
def test_non_text_rejected(bad: object) -> None:
    with pytest.raises(InvalidValue) as exc:
        Plate.parse(bad)  # type: ignore[arg-type]
    assert exc.value.code == "plate.invalid"


def test_direct_construction_validates() -> None:
    with pytest.raises(InvalidValue):
        Plate("川a12345")


def test_invalid_value_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="province"):
        Plate.parse("XA12345")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("川A", "川A"),
        ("川a1*3?5", "川A1*3?5"),
        ("*?12", "*?12"),
        ("  粤bd12345 ", "粤BD12345"),
        ("渝B*345挂", "渝B*345挂"),
        ("A1", "A1"),
        ("?5", "?5"),
    ],
)
def test_partial_valid(raw: str, expected: str) -> None:
    assert parse_plate_partial(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["川", "", "**", "????????", "川A1234567", "川AI*", "川A#1", "川 A1", None],
)
def test_partial_invalid(raw: object) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_plate_partial(raw)  # type: ignore[arg-type]
    assert exc.value.code == "plate_partial.invalid"
