"""A workflow's clocks: each named once, together with its national time limit.

Each workflow names its own clocks (its `terms` module declares a `Term` enum on `NationalTerm`); a
cooperation zone may tighten them (`xborder.domain.zones`), never loosen them. The service learns every
workflow's terms from the workflow registry, through the workflow's Application (`CaseApplication.terms`).

Declaring the national limit on the member itself means a clock cannot be named without its limit, and
the mapping the zone book reads (`national_limits`) is derived, never restated beside the enum.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Self

from xborder.domain.calendar import TimeLimit


class NationalTerm(StrEnum):
    """Base of a workflow's `Term` enum, whose members read `NAME = "name", TimeLimit(2, "working_days")`.

    A member is its plain string value everywhere it travels (event attributes, deadline names, zone
    configuration); its `national` limit stays with it in the process. Without members (this class
    itself) it is the terms of a workflow that runs no clocks."""

    national: TimeLimit

    def __new__(cls, value: str, national: TimeLimit) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.national = national
        return member

    @classmethod
    def national_limits(cls) -> Mapping[str, TimeLimit]:
        """Each term of this workflow -> its national limit, read-only (what the zone book merges)."""
        return MappingProxyType({term: term.national for term in cls})
