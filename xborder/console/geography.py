"""Which provinces border which: the dispatcher's province picker offers the accident province's
neighbours first (the nearest police unit or hospital is often across the border), as does the
investigator's choice of target provinces.

Land borders between the 31 provincial units (GB/T 2260 codes), plus 广东–海南 across the 琼州海峡,
the only way to Hainan by road (the ferries). Symmetric (a unit test checks it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from xborder.domain.errors import InvalidValue
from xborder.domain.provinces import PROVINCES, province_by_code

_BORDERS: Final[dict[str, tuple[str, ...]]] = {
    "110000": ("120000", "130000"),
    "120000": ("110000", "130000"),
    "130000": ("110000", "120000", "140000", "150000", "210000", "370000", "410000"),
    "140000": ("130000", "150000", "410000", "610000"),
    "150000": ("130000", "140000", "210000", "220000", "230000", "610000", "620000", "640000"),
    "210000": ("130000", "150000", "220000"),
    "220000": ("150000", "210000", "230000"),
    "230000": ("150000", "220000"),
    "310000": ("320000", "330000"),
    "320000": ("310000", "330000", "340000", "370000"),
    "330000": ("310000", "320000", "340000", "350000", "360000"),
    "340000": ("320000", "330000", "360000", "370000", "410000", "420000"),
    "350000": ("330000", "360000", "440000"),
    "360000": ("330000", "340000", "350000", "420000", "430000", "440000"),
    "370000": ("130000", "320000", "340000", "410000"),
    "410000": ("130000", "140000", "340000", "370000", "420000", "610000"),
    "420000": ("340000", "360000", "410000", "430000", "500000", "610000"),
    "430000": ("360000", "420000", "440000", "450000", "500000", "520000"),
    "440000": ("350000", "360000", "430000", "450000", "460000"),
    "450000": ("430000", "440000", "520000", "530000"),
    "460000": ("440000",),
    "500000": ("420000", "430000", "510000", "520000", "610000"),
    "510000": ("500000", "520000", "530000", "540000", "610000", "620000", "630000"),
    "520000": ("430000", "450000", "500000", "510000", "530000"),
    "530000": ("450000", "510000", "520000", "540000"),
    "540000": ("510000", "530000", "630000", "650000"),
    "610000": ("140000", "150000", "410000", "420000", "500000", "510000", "620000", "640000"),
    "620000": ("150000", "510000", "610000", "630000", "640000", "650000"),
    "630000": ("510000", "540000", "620000", "650000"),
    "640000": ("150000", "610000", "620000"),
    "650000": ("540000", "620000", "630000"),
}

NEIGHBOURS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(_BORDERS)


def neighbours(code: str) -> tuple[str, ...]:
    return NEIGHBOURS.get(code, ())


def province_label(code: str | None) -> str:
    """`四川省` for 510000; an unknown value as it is (the page shows what the API said)."""
    if not code:
        return "—"
    try:
        return province_by_code(code).name
    except InvalidValue:
        return code


def near_first(near: Iterable[str | None]) -> tuple[list[str], list[str]]:
    """Province codes in two groups for a picker: the `near` provinces and their neighbours (the near
    ones first, in the order given), then every other province in GB/T 2260 order."""
    first: list[str] = []
    for code in near:
        if code and code in NEIGHBOURS and code not in first:
            first.append(code)
    for code in list(first):
        for neighbour in NEIGHBOURS[code]:
            if neighbour not in first:
                first.append(neighbour)
    rest = [p.code for p in PROVINCES if p.code not in first]
    return first, rest
