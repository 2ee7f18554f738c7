"""Who does something: the authenticated caller as the domain sees it.

Every recorded event names its actor, so each province's history can say who acted and from where.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    OWNER = "owner"
    VEHICLE_ADMIN = "vehicle_admin"
    TRAFFIC_POLICE = "traffic_police"
    INVESTIGATOR = "investigator"
    DISPATCHER = "dispatcher"
    MEDICAL = "medical"
    INSURER = "insurer"
    FUND = "fund"
    # Reads its province's audit log of sensitive reads (GET /v1/audit); sees no case.
    AUDITOR = "auditor"
    # The personal-information protection officer (个人信息保护负责人, PIPL Art. 52): answers erasure
    # requests (POST /v1/privacy/erasures); sees no case.
    PRIVACY_OFFICER = "privacy_officer"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """A caller: account id, the province it acts for (6-digit code), its role and organisation."""

    sub: str
    province: str | None
    role: Role
    org: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"sub": self.sub, "province": self.province, "role": self.role.value, "org": self.org}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Actor:
        return cls(
            sub=str(data["sub"]),
            province=data.get("province"),
            role=Role(data["role"]),
            org=data.get("org"),
        )


def office_itself(province: str) -> Actor:
    """A province's office acting by rule, with no clerk involved (forwarding, the archive request)."""
    return Actor(sub="system:xborder", province=province, role=Role.SYSTEM)


DEADLINE_WATCHER = Actor(sub="system:deadline-watcher", province=None, role=Role.SYSTEM)
