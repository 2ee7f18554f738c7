"""The time limits of the hit-and-run workflow (逃逸协查), with their national values.

Each workflow names its own clocks; a cooperation zone may tighten them (`xborder.domain.zones`), never
loosen them. The service learns every workflow's terms from the workflow registry."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from xborder.domain.calendar import TimeLimit


class Term(StrEnum):
    DETERMINATION = "determination"
    ASSISTANCE_ACK = "assistance_ack"


NATIONAL_TERMS: Final[Mapping[str, TimeLimit]] = MappingProxyType(
    {
        # 146号令《道路交通事故处理程序规定》: responsibility determined within 10 working days of capture.
        Term.DETERMINATION: TimeLimit(10, "working_days"),
        # 146号令 协查: targets acknowledge "promptly"; 24 hours until a zone records its own SLA.
        Term.ASSISTANCE_ACK: TimeLimit(24, "hours"),
    }
)
