from __future__ import annotations

import logging
from datetime import date

import pytest

from xborder.domain.errors import InvalidValue
from xborder.domain.id_numbers import IdNumber, id_check_char
from xborder.domain.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("raw", "value", "born"),
    [
        ("11010519491231002X", "11010519491231002X", date(1949, 12, 31)),
        (" 11010519491231002x ", "11010519491231002X", date(1949, 12, 31)),
        ("510101199003071238", "510101199003071238", date(1990, 3, 7)),
        ("500103200002290013", "500103200002290013", date(2000, 2, 29)),  # leap day
        ("440304198512315672", "440304198512315672", date(1985, 12, 31)),
        ("110101190001010014", "110101190001010014", date(1900, 1, 1)),
        ("810000199506150025", "810000199506150025", date(1995, 6, 15)),  # 香港 prefix
    ],
)
def test_valid(raw: str, value: str, born: date) -> None:
    number = IdNumber.parse(raw)
    assert number.value == value
    assert str(number) == value
    assert number.birth_date == born


def _with_check(body: str) -> str:
    return body + id_check_char(body)


@pytest.mark.parametrize(
    ("raw", "detail_contains"),
    [
        ("11010519491231002", "18 characters"),
        ("11010519491231002X1", "18 characters"),
        ("", "18 characters"),
        ("1101051949123100AX", "digits"),
        ("11010519491231002Y", "last character"),
        ("110105194912310021", "check character"),
        ("11010519491231003X", "check character"),
        (_with_check("99010519491231002"), "province prefix"),
        (_with_check("00010519491231002"), "province prefix"),
        (_with_check("11010519490230002"), "birth date"),  # 30 February
        (_with_check("11010519491301002"), "birth date"),  # month 13
        (_with_check("11010519000229002"), "birth date"),  # 1900 was not a leap year
        (_with_check("11010518991231002"), "before 1900"),
        ("11０10519491231002X", "digits"),  # full-width digit
    ],
)
def test_invalid(raw: str, detail_contains: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        IdNumber.parse(raw)
    assert exc.value.code == "id_number.invalid"
    assert detail_contains in exc.value.detail


def test_error_detail_never_echoes_the_number() -> None:
    raw = "110105194912310021"
    with pytest.raises(InvalidValue) as exc:
        IdNumber.parse(raw)
    assert raw not in str(exc.value)
    assert raw[:17] not in exc.value.detail


def test_masked_and_repr_hide_the_number(caplog: pytest.LogCaptureFixture) -> None:
    number = IdNumber.parse("11010519491231002X")
    assert number.masked() == "1101**********002X"
    assert repr(number) == "IdNumber('1101**********002X')"
    assert "19491231" not in repr(number)
    assert "19491231" not in repr([number])
    caplog.set_level(logging.INFO)
    logging.getLogger("test").info("applicant %r", number)
    assert "19491231" not in caplog.text


def test_direct_construction_validates() -> None:
    with pytest.raises(InvalidValue):
        IdNumber("11010519491231002x")


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("510101199003071236", "5101**********1236"),
        ("11010519491231002X", "1101**********002X"),
        ("110105491231002", "11***********02"),  # old 15-digit number
        ("12345", "12*45"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_id_number(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("19912345678", "199****5678"),
        ("028-12345678", "028*******78"),
        ("02812345678", "028******78"),  # 11-digit landline: not a mobile
        ("0281234567", "028*****67"),
        ("12345", "*****"),
        ("", ""),
    ],
)
def test_mask_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("张三丰", "张**"), ("李四", "李*"), ("王", "王"), ("欧阳娜娜", "欧***"), ("", "")],
)
def test_mask_name(raw: str, masked: str) -> None:
    assert mask_name(raw) == masked
