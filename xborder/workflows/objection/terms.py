"""The time limits of the objection workflow (异地撤销), with their national values.

Each workflow names its own clocks; a cooperation zone may tighten them (`xborder.domain.zones`), never
loosen them. The service learns every workflow's terms from the workflow registry."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from xborder.domain.calendar import TimeLimit


class Term(StrEnum):
    OBJECTION_REVIEW = "objection_review"
    RECORD_ELIMINATION = "record_elimination"


NATIONAL_TERMS: Final[Mapping[str, TimeLimit]] = MappingProxyType(
    {
        # 157号令《道路交通安全违法行为处理程序规定》: review within 5 working days of forwarding.
        Term.OBJECTION_REVIEW: TimeLimit(5, "working_days"),
        # 157号令: an upheld objection's record is eliminated within 3 working days.
        Term.RECORD_ELIMINATION: TimeLimit(3, "working_days"),
    }
)
