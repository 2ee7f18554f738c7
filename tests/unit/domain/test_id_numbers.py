from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xborder.domain.errors import InvalidValue
from xborder.domain.id_numbers import PERMIT_AREAS, IdNumber, china_today, id_check_char
from xborder.domain.masking import mask_id_number, mask_name, mask_phone
from xborder.domain.provinces import PROVINCE_CODES


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
        (_with_check("71000019900101002"), "never issued"),
        (_with_check("81010019900101002"), "810000, 820000 or 830000"),
    ],
)
def test_invalid(raw: str, detail_contains: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        IdNumber.parse(raw)
    assert exc.value.code == "id_number.invalid"
    assert detail_contains in exc.value.detail


@pytest.mark.parametrize(
    ("area", "holder"), [("810000", "Hong Kong"), ("820000", "Macau"), ("830000", "Taiwan")]
)
def test_residence_permit_numbers_of_hong_kong_macau_and_taiwan_residents(area: str, holder: str) -> None:
    """港澳台居民居住证申领发放办法 (国办发〔2018〕81号): permits carry a GB 11643-1999 number whose area
    code is 810000 (Hong Kong), 820000 (Macau) or 830000 (Taiwan)."""
    number = IdNumber.parse(_with_check(f"{area}19880808001"))
    assert number.value[:6] == area
    assert number.birth_date == date(1988, 8, 8)
    assert PERMIT_AREAS[area] == holder
    assert number == IdNumber(number.value)  # rebuilt from an event too


@pytest.mark.parametrize("area", ["710000", "710100", "719900"])
def test_taiwan_province_code_710000_is_never_issued(area: str) -> None:
    """GB 11643-1999 §5.2 (地址码) follows GB/T 2260, which lists 710000 台湾省, but no number is issued
    with it; Taiwan residents' permits use 830000 (港澳台居民居住证申领发放办法)."""
    body = _with_check(f"{area}19880808001")
    for build in (IdNumber.parse, IdNumber):
        with pytest.raises(InvalidValue) as exc:
            build(body)
        assert (exc.value.code, exc.value.field) == ("id_number.invalid", "id_number")
        assert "never issued" in exc.value.detail and "830000" in exc.value.detail


@pytest.mark.parametrize("area", ["810100", "820200", "830001", "840000", "890000"])
def test_permit_areas_other_than_the_three_are_refused(area: str) -> None:
    """港澳台居民居住证申领发放办法: only 810000, 820000 and 830000 are permit areas; 84-89 are no one's."""
    with pytest.raises(InvalidValue) as exc:
        IdNumber.parse(_with_check(f"{area}19880808001"))
    assert "810000, 820000 or 830000" in exc.value.detail or "province prefix" in exc.value.detail


def test_gb11643_birth_date_in_the_future_is_refused() -> None:
    """GB 11643-1999 §5.3 (出生日期码): the birth date is a date that has been; one after `today` is
    refused, naming the field, without echoing the number."""
    today = date(2026, 11, 29)
    tomorrow = _with_check("51010120261130123")
    with pytest.raises(InvalidValue) as exc:
        IdNumber.parse(tomorrow, today=today)
    assert (exc.value.code, exc.value.field) == ("id_number.invalid", "id_number")
    assert "in the future" in exc.value.detail and "2026-11-29" in exc.value.detail
    assert "20261130" not in exc.value.detail
    born_today = IdNumber.parse(_with_check("51010120261129123"), today=today)
    assert born_today.birth_date == today
    # A day later the same number is a real birth date.
    assert IdNumber.parse(tomorrow, today=date(2026, 11, 30)).birth_date == date(2026, 11, 30)


def test_gb11643_future_birth_date_against_the_date_in_china_by_default() -> None:
    """GB 11643-1999 §5.3: without a `today`, the date in China now (UTC+8) is the limit."""
    today = china_today()
    future = today + timedelta(days=2)
    body = f"110105{future:%Y%m%d}001"
    with pytest.raises(InvalidValue, match="in the future"):
        IdNumber.parse(body + id_check_char(body))
    past = today - timedelta(days=1)
    body = f"110105{past:%Y%m%d}001"
    assert IdNumber.parse(body + id_check_char(body)).birth_date == past


def test_china_today_is_the_date_at_utc_plus_8() -> None:
    """Birth dates are written in China's calendar: UTC+8, no daylight saving."""
    now = datetime.now(UTC)
    assert china_today() in {(now + timedelta(hours=8)).date(), (now + timedelta(hours=8, seconds=5)).date()}


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


_AREAS = sorted({*PROVINCE_CODES, *PERMIT_AREAS})


@given(
    area=st.sampled_from(_AREAS),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    today=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    sequence=st.integers(0, 999),
)
def test_property_accepted_when_born_by_today(area: str, born: date, today: date, sequence: int) -> None:
    """GB 11643-1999 §5.3 and 港澳台居民居住证申领发放办法: a well-formed number of a province or permit
    area is accepted exactly when its birth date is not after `today`."""
    body = f"{area}{born:%Y%m%d}{sequence:03d}"
    raw = body + id_check_char(body)
    if born <= today:
        assert IdNumber.parse(raw, today=today).birth_date == born
    else:
        with pytest.raises(InvalidValue, match="in the future"):
            IdNumber.parse(raw, today=today)
