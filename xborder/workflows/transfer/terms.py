"""The time limits of the transfer workflow (跨省转籍), with their national values.

Each workflow names its own clocks; a cooperation zone may tighten them (`xborder.domain.zones`), never
loosen them. The service learns every workflow's terms from the workflow registry."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from xborder.domain.calendar import TimeLimit


class Term(StrEnum):
    ARCHIVE_RELEASE = "archive_release"
    ARCHIVE_VERIFICATION = "archive_verification"
    REGISTRATION = "registration"
    TRANSFER_LAPSE = "transfer_lapse"


NATIONAL_TERMS: Final[Mapping[str, TimeLimit]] = MappingProxyType(
    {
        # 164号令《机动车登记规定》: origin releases the archive within 2 working days.
        Term.ARCHIVE_RELEASE: TimeLimit(2, "working_days"),
        # 164号令: destination verifies the received archive within 1 working day.
        Term.ARCHIVE_VERIFICATION: TimeLimit(1, "working_days"),
        # 164号令: destination registers within 3 working days of a passed inspection.
        Term.REGISTRATION: TimeLimit(3, "working_days"),
        # 164号令: a released archive lapses after 30 calendar days without registration.
        Term.TRANSFER_LAPSE: TimeLimit(30, "calendar_days"),
    }
)
