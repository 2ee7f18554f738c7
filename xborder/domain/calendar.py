"""Working-day calendar and deadline arithmetic for the regulations' "N日" time limits.

Deadlines are computed once, when a clock starts, and stored on the aggregate; so the calendar is an
explicit value (holidays are data) and nothing here reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Final, Literal, get_args

__all__ = [
    "CST",
    "TimeLimit",
    "TimeUnit",
    "WorkingCalendar",
    "calendar_from_dict",
]

# China has a single zone and no DST: a fixed offset needs no tzdata on the host.
CST: Final = timezone(timedelta(hours=8), "CST")

TimeUnit = Literal["working_days", "calendar_days", "hours"]
_UNITS: Final[tuple[str, ...]] = get_args(TimeUnit)
_SATURDAY: Final = 5
_END_OF_DAY: Final = time(23, 59, 59)
_ISO_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UNIT_WORDS: Final = {
    "working_days": ("working day", "working days"),
    "calendar_days": ("calendar day", "calendar days"),
    "hours": ("hour", "hours"),
}


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A regulation's time limit, e.g. 2 working days; kept as data so zones can tighten it."""

    amount: int
    unit: TimeUnit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 1:
            raise ValueError(f"time limit amount must be a whole number >= 1, got {self.amount!r}")
        if self.unit not in _UNITS:
            raise ValueError(f"time limit unit must be one of {', '.join(_UNITS)}, got {self.unit!r}")

    def __str__(self) -> str:
        singular, plural = _UNIT_WORDS[self.unit]
        return f"{self.amount} {singular if self.amount == 1 else plural}"


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Public holidays plus the weekend days the holiday schedule turns into working days (调休)."""

    holidays: frozenset[date]
    workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        # A day both off and on is a data error that would silently pick one meaning.
        both = self.holidays & self.workdays
        if both:
            days = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"dates listed as both holiday and workday: {days}")

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < _SATURDAY and d not in self.holidays

    def next_working_day(self, d: date) -> date:
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def due(self, start: datetime, limit: TimeLimit) -> datetime:
        """When `limit` started at `start` runs out (民法典 Art 201, 203: the first day is not counted)."""
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("deadline start must be timezone-aware")
        if limit.amount < 1:
            raise ValueError("time limit amount must be >= 1")
        local = start.astimezone(CST)
        if limit.unit == "hours":
            return (local + timedelta(hours=limit.amount)).replace(microsecond=0)
        day = local.date()
        if limit.unit == "working_days":
            remaining = limit.amount
            while remaining:
                day += timedelta(days=1)
                if self.is_working_day(day):
                    remaining -= 1
        else:
            day = self.next_working_day(day + timedelta(days=limit.amount))
        return datetime.combine(day, _END_OF_DAY, tzinfo=CST)


def _parse_dates(data: Mapping[str, Any], key: str) -> frozenset[date]:
    raw = data.get(key, [])
    if isinstance(raw, str) or not isinstance(raw, Iterable):
        raise ValueError(f"calendar {key!r} must be a list of YYYY-MM-DD dates")
    days: set[date] = set()
    for item in raw:
        if not isinstance(item, str) or not _ISO_DATE_RE.fullmatch(item):
            raise ValueError(f"calendar {key!r}: {item!r} is not a YYYY-MM-DD date")
        try:
            days.add(date.fromisoformat(item))
        except ValueError:
            raise ValueError(f"calendar {key!r}: {item!r} is not a real date") from None
    return frozenset(days)


def calendar_from_dict(data: Mapping[str, Any]) -> WorkingCalendar:
    """Build a calendar from `{"holidays": [...], "workdays": [...]}` (an operator's JSON file)."""
    if not isinstance(data, Mapping):
        raise ValueError("calendar data must be an object with 'holidays' and 'workdays'")
    unknown = set(data) - {"holidays", "workdays"}
    if unknown:
        raise ValueError(f"unknown calendar keys: {', '.join(sorted(map(str, unknown)))}")
    holidays = _parse_dates(data, "holidays")
    workdays = _parse_dates(data, "workdays")
    weekdays = sorted(d for d in workdays if d.weekday() < _SATURDAY)
    if weekdays:
        days = ", ".join(d.isoformat() for d in weekdays)
        raise ValueError(f"workdays must be weekend days made working days (调休); not weekends: {days}")
    return WorkingCalendar(holidays=holidays, workdays=workdays)
