from __future__ import annotations

import pytest

from xborder.domain.errors import InvalidValue
from xborder.domain.money import MAX_YUAN, Money
from xborder.domain.phones import Phone


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("13812345678", "13812345678"),
        (" 19912345678 ", "19912345678"),
        ("028-12345678", "028-12345678"),
        ("02312345678", "02312345678"),
        ("010-1234567", "010-1234567"),
        ("0851-1234567", "0851-1234567"),
        ("0851-12345678", "0851-12345678"),
    ],
)
def test_phone_valid(raw: str, value: str) -> None:
    phone = Phone.parse(raw)
    assert phone.value == value
    assert str(phone) == value


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",  # 12x is not a mobile range
        "1381234567",
        "138123456789",
        "+8613812345678",
        "138 1234 5678",
        "28-12345678",
        "028-123456",
        "028--12345678",
        "",
        "１３８１２３４５６７８",  # full-width digits
        None,
        13812345678,
    ],
)
def test_phone_invalid(raw: object) -> None:
    with pytest.raises(InvalidValue) as exc:
        Phone.parse(raw)  # type: ignore[arg-type]
    assert exc.value.code == "phone.invalid"


def test_phone_repr_masked_and_errors_do_not_echo() -> None:
    phone = Phone.parse("13812345678")
    assert repr(phone) == "Phone('138****5678')"
    assert phone.masked() == "138****5678"
    with pytest.raises(InvalidValue) as exc:
        Phone.parse("1281234567899")
    assert "1281234567899" not in str(exc.value)


@pytest.mark.parametrize(("value", "yuan"), [(0, 0), (1800, 1800), (18000, 18000), (MAX_YUAN, MAX_YUAN)])
def test_money_valid(value: object, yuan: int) -> None:
    assert Money.parse(value).yuan == yuan


@pytest.mark.parametrize("value", [-1, MAX_YUAN + 1, True, False, 1.5, 18000.0, "18000", None, [1], Money(1)])
def test_money_invalid(value: object) -> None:
    with pytest.raises(InvalidValue) as exc:
        Money.parse(value)
    assert exc.value.code == "money.invalid"


@pytest.mark.parametrize("yuan", [-1, True, 1.0])
def test_money_direct_construction_validates(yuan: object) -> None:
    with pytest.raises(InvalidValue):
        Money(yuan)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("yuan", "text"),
    [(0, "¥0"), (200, "¥200"), (1800, "¥1,800"), (18000, "¥18,000"), (1234567, "¥1,234,567")],
)
def test_money_str(yuan: int, text: str) -> None:
    assert str(Money(yuan)) == text


def test_money_arithmetic_and_order() -> None:
    assert Money(18000) + Money(1800) == Money(19800)
    assert Money(MAX_YUAN) + Money(1) == Money(MAX_YUAN + 1)  # only input is bounded
    assert Money(1800) < Money(18000)
    assert max(Money(5), Money(7), Money(6)) == Money(7)
    with pytest.raises(TypeError):
        Money(1) + 1  # type: ignore[operator]
