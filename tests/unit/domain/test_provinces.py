from __future__ import annotations

import pytest

from xborder.domain.errors import InvalidValue
from xborder.domain.provinces import (
    PROVINCE_CODES,
    PROVINCES,
    Province,
    province_by_abbr,
    province_by_code,
)

DOMAIN_ABBRS = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"
DOMAIN_CODES = [
    "110000",
    "120000",
    "130000",
    "140000",
    "150000",
    "210000",
    "220000",
    "230000",
    "310000",
    "320000",
    "330000",
    "340000",
    "350000",
    "360000",
    "370000",
    "410000",
    "420000",
    "430000",
    "440000",
    "450000",
    "460000",
    "500000",
    "510000",
    "520000",
    "530000",
    "540000",
    "610000",
    "620000",
    "630000",
    "640000",
    "650000",
]


def test_all_31_in_gb_t_2260_order() -> None:
    assert len(PROVINCES) == 31
    assert "".join(p.abbr for p in PROVINCES) == DOMAIN_ABBRS
    assert [p.code for p in PROVINCES] == DOMAIN_CODES
    assert sorted(PROVINCE_CODES) == DOMAIN_CODES
    assert len({p.name for p in PROVINCES}) == 31


@pytest.mark.parametrize(
    ("code", "abbr", "name"),
    [
        ("510000", "川", "四川省"),
        ("500000", "渝", "重庆市"),
        ("150000", "蒙", "内蒙古自治区"),
        ("450000", "桂", "广西壮族自治区"),
        ("540000", "藏", "西藏自治区"),
        ("640000", "宁", "宁夏回族自治区"),
        ("650000", "新", "新疆维吾尔自治区"),
        ("110000", "京", "北京市"),
    ],
)
def test_lookup_both_ways(code: str, abbr: str, name: str) -> None:
    expected = Province(code, abbr, name)
    assert province_by_code(code) == expected
    assert province_by_abbr(abbr) == expected


@pytest.mark.parametrize("bad", ["510100", "51", "", "710000", "810000", " 510000", 510000, None, "川"])
def test_bad_code(bad: object) -> None:
    with pytest.raises(InvalidValue) as exc:
        province_by_code(bad)  # type: ignore[arg-type]
    assert exc.value.code == "province.invalid"


@pytest.mark.parametrize("bad", ["", "X", "川渝", "台", "港", "510000", None, 1])
def test_bad_abbr(bad: object) -> None:
    with pytest.raises(InvalidValue) as exc:
        province_by_abbr(bad)  # type: ignore[arg-type]
    assert exc.value.code == "province.invalid"
