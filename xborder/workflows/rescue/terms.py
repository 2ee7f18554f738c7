"""The time limits of the rescue workflow (警医保联动), with their national values.

Each workflow names its own clocks; a cooperation zone may tighten them (`xborder.domain.zones`), never
loosen them. The service learns every workflow's terms from the workflow registry."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from xborder.domain.calendar import TimeLimit


class Term(StrEnum):
    FUND_NOTICE = "fund_notice"
    FUND_REVIEW = "fund_review"


NATIONAL_TERMS: Final[Mapping[str, TimeLimit]] = MappingProxyType(
    {
        # 交强险条例 / 救助基金办法: the relief fund is notified within 3 working days.
        Term.FUND_NOTICE: TimeLimit(3, "working_days"),
        # 交强险条例 / 救助基金办法: the fund reviews an advance request within 5 working days.
        Term.FUND_REVIEW: TimeLimit(5, "working_days"),
    }
)
