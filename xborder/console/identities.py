"""The identities the development sign-in page offers: every role in the provinces of 成渝 (with
贵州 and 云南) and 长三角, where `xborder demo` seeds its cases, with the accounts the README's
walk-throughs use. Any other identity can be typed on the same page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from xborder.domain.actors import Role


@dataclass(frozen=True, slots=True)
class Identity:
    sub: str
    province: str
    role: str
    org: str | None = None


# Province code -> (short name used in account names, the insurer's org: one `xborder demo` notifies).
_PROVINCES: Final = {
    "500000": ("cq", "中国人保财险"),
    "510000": ("sc", "平安产险"),
    "520000": ("gz", "太平洋产险"),
    "530000": ("yn", "国寿财险"),
    "310000": ("sh", "太平洋产险"),
    "320000": ("js", "国寿财险"),
    "330000": ("zj", "大地保险"),
    "340000": ("ah", "中国人保财险"),
}
# The walk-throughs' accounts, so that their cases are these identities' own.
_NAMED: Final = {
    ("500000", "owner"): "alice",
    ("510000", "owner"): "li-si",
    ("500000", "vehicle_admin"): "yu-clerk",
    ("510000", "vehicle_admin"): "chuan-clerk",
    ("310000", "vehicle_admin"): "hu-clerk",
    ("500000", "dispatcher"): "cq-120",
    ("510000", "medical"): "ga-hospital",
}

ROLES: Final = tuple(role.value for role in Role if role is not Role.SYSTEM)


def dev_identities() -> list[Identity]:
    identities = []
    for code, (short, insurer) in _PROVINCES.items():
        for role in ROLES:
            sub = _NAMED.get((code, role), f"{short}-{role.replace('_', '-')}")
            identities.append(Identity(sub, code, role, insurer if role == Role.INSURER.value else None))
    return identities


DEV_PROVINCES: Final = tuple(_PROVINCES)
