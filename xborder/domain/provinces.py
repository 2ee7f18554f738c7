"""The 31 provincial units (GB/T 2260) that take part in cross-province cooperation.

Cases name provinces by their 6-digit code; plates name them by their one-character abbreviation. One
table serves both so the two spellings can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from xborder.domain.errors import InvalidValue

__all__ = ["PROVINCES", "PROVINCE_CODES", "Province", "province_by_abbr", "province_by_code"]


@dataclass(frozen=True, slots=True)
class Province:
    """A provincial unit: GB/T 2260 code, plate abbreviation and official name."""

    code: str
    abbr: str
    name: str


PROVINCES: Final[tuple[Province, ...]] = (
    Province("110000", "京", "北京市"),
    Province("120000", "津", "天津市"),
    Province("130000", "冀", "河北省"),
    Province("140000", "晋", "山西省"),
    Province("150000", "蒙", "内蒙古自治区"),
    Province("210000", "辽", "辽宁省"),
    Province("220000", "吉", "吉林省"),
    Province("230000", "黑", "黑龙江省"),
    Province("310000", "沪", "上海市"),
    Province("320000", "苏", "江苏省"),
    Province("330000", "浙", "浙江省"),
    Province("340000", "皖", "安徽省"),
    Province("350000", "闽", "福建省"),
    Province("360000", "赣", "江西省"),
    Province("370000", "鲁", "山东省"),
    Province("410000", "豫", "河南省"),
    Province("420000", "鄂", "湖北省"),
    Province("430000", "湘", "湖南省"),
    Province("440000", "粤", "广东省"),
    Province("450000", "桂", "广西壮族自治区"),
    Province("460000", "琼", "海南省"),
    Province("500000", "渝", "重庆市"),
    Province("510000", "川", "四川省"),
    Province("520000", "贵", "贵州省"),
    Province("530000", "云", "云南省"),
    Province("540000", "藏", "西藏自治区"),
    Province("610000", "陕", "陕西省"),
    Province("620000", "甘", "甘肃省"),
    Province("630000", "青", "青海省"),
    Province("640000", "宁", "宁夏回族自治区"),
    Province("650000", "新", "新疆维吾尔自治区"),
)

_BY_CODE: Final = MappingProxyType({p.code: p for p in PROVINCES})
_BY_ABBR: Final = MappingProxyType({p.abbr: p for p in PROVINCES})

PROVINCE_CODES: Final[frozenset[str]] = frozenset(_BY_CODE)


def province_by_code(code: str) -> Province:
    """Look up a province by its 6-digit code; prefecture codes (510100) are not provinces here."""
    province = _BY_CODE.get(code) if isinstance(code, str) else None
    if province is None:
        raise InvalidValue(f"not a province code: {code!r}", code="province.invalid")
    return province


def province_by_abbr(abbr: str) -> Province:
    """Look up a province by its plate abbreviation (川, 渝...)."""
    province = _BY_ABBR.get(abbr) if isinstance(abbr, str) else None
    if province is None:
        raise InvalidValue(f"not a province abbreviation: {abbr!r}", code="province.invalid")
    return province
