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
    "Due",
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


class Due(datetime):
    """A due instant, and how it was counted: the `limit` counted and the `missing` years — years the
    calendar has no holiday schedule for, whose days the counting reached (there every weekday counted
    as a working day). A due date with missing years is **provisional**: it may move once the State
    Council publishes that year's schedule (国务院办公厅关于部分节假日安排的通知). It is a datetime, so a
    workflow stores it like any other; the case's common bookkeeping reads the rest."""

    limit: TimeLimit
    missing: frozenset[int]

    @classmethod
    def counted(cls, moment: datetime, limit: TimeLimit, missing: Iterable[int] = ()) -> Due:
        due = cls.combine(moment.date(), moment.timetz())
        due.limit = limit
        due.missing = frozenset(missing)
        return due

    @property
    def provisional(self) -> bool:
        return bool(self.missing)

    def plain(self) -> datetime:
        """The instant alone, as events store it."""
        return datetime.combine(self.date(), self.timetz())


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Public holidays plus the weekend days the holiday schedule turns into working days (调休).

    `known_years`: the years whose schedule this calendar holds (None: every year, a calendar made for
    a test). Counting that reaches a day of another year treats it by weekends alone and says so
    (`Due.missing`)."""

    holidays: frozenset[date]
    workdays: frozenset[date] = frozenset()
    known_years: frozenset[int] | None = None

    def __post_init__(self) -> None:
        # A day both off and on is a data error that would silently pick one meaning.
        both = self.holidays & self.workdays
        if both:
            days = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"dates listed as both holiday and workday: {days}")
        if self.known_years is not None:
            stray = sorted(d for d in self.holidays | self.workdays if d.year not in self.known_years)
            if stray:
                raise ValueError(f"dates outside the calendar's known years: {stray[0].isoformat()}")

    @property
    def horizon(self) -> date | None:
        """The last day of the last year this calendar knows (None: it knows every year)."""
        if self.known_years is None:
            return None
        return date(max(self.known_years), 12, 31) if self.known_years else date.min

    def horizon_warning(self, today: date, *, within_days: int = 60) -> str | None:
        """What to tell operators when this calendar ends within `within_days` of `today` (None:
        nothing): deadlines counted past its end are provisional until the next year is added."""
        horizon = self.horizon
        if horizon is None or (horizon - today).days > within_days:
            return None
        if horizon < today:
            left = f"ended {(today - horizon).days} days ago"
        else:
            left = f"ends in {(horizon - today).days} days"
        return (
            f"the holiday calendar {left} ({horizon.isoformat()}): deadlines counted past it are "
            f"provisional; add {horizon.year + 1}'s schedule (国务院办公厅关于部分节假日安排的通知) by "
            "upgrading chinesecalendar or in HOLIDAYS_FILE, then run `xborder calendar apply`"
        )

    def knows(self, year: int) -> bool:
        return self.known_years is None or year in self.known_years

    def overlaid(self, other: WorkingCalendar) -> WorkingCalendar:
        """This calendar with each year `other` knows replaced, whole, by `other`'s schedule for it
        (a later notice, or an operator's data file, adds or replaces years; it never drops any)."""
        if other.known_years is None:
            return other
        if self.known_years is None:
            raise ValueError("a calendar that knows every year cannot be extended")
        keep = self.known_years - other.known_years
        return WorkingCalendar(
            holidays=frozenset(d for d in self.holidays if d.year in keep) | other.holidays,
            workdays=frozenset(d for d in self.workdays if d.year in keep) | other.workdays,
            known_years=keep | other.known_years,
        )

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < _SATURDAY and d not in self.holidays

    def next_working_day(self, d: date) -> date:
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def due(self, start: datetime, limit: TimeLimit) -> Due:
        """When `limit` started at `start` runs out (民法典 Art 201, 203: the first day is not counted),
        and whether the counting reached a year whose holiday schedule this calendar lacks."""
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("deadline start must be timezone-aware")
        if limit.amount < 1:
            raise ValueError("time limit amount must be >= 1")
        local = start.astimezone(CST)
        if limit.unit == "hours":  # exact: no day is asked whether it is a working day
            return Due.counted((local + timedelta(hours=limit.amount)).replace(microsecond=0), limit)
        day = local.date()
        if limit.unit == "working_days":
            first = day + timedelta(days=1)  # every day from here on is asked
            remaining = limit.amount
            while remaining:
                day += timedelta(days=1)
                if self.is_working_day(day):
                    remaining -= 1
        else:
            first = day + timedelta(days=limit.amount)  # the last day, and any after it that are off
            day = self.next_working_day(first)
        missing = {year for year in range(first.year, day.year + 1) if not self.knows(year)}
        return Due.counted(datetime.combine(day, _END_OF_DAY, tzinfo=CST), limit, missing)


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


def _parse_years(data: Mapping[str, Any]) -> frozenset[int]:
    raw = data.get("years", [])
    if isinstance(raw, str) or not isinstance(raw, Iterable):
        raise ValueError("calendar 'years' must be a list of years")
    years = set()
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, int) or not 1949 < item < 10000:
            raise ValueError(f"calendar 'years': {item!r} is not a year")
        years.add(item)
    return frozenset(years)


def calendar_from_dict(data: Mapping[str, Any]) -> WorkingCalendar:
    """Build a calendar from `{"holidays": [...], "workdays": [...], "years": [...]}` (an operator's
    JSON file). It knows the years of the dates it lists and any `years` it names: each is a whole
    year's schedule, which replaces that year's when overlaid (`WorkingCalendar.overlaid`)."""
    if not isinstance(data, Mapping):
        raise ValueError("calendar data must be an object with 'holidays' and 'workdays'")
    unknown = set(data) - {"holidays", "workdays", "years"}
    if unknown:
        raise ValueError(f"unknown calendar keys: {', '.join(sorted(map(str, unknown)))}")
    holidays = _parse_dates(data, "holidays")
    workdays = _parse_dates(data, "workdays")
    weekdays = sorted(d for d in workdays if d.weekday() < _SATURDAY)
    if weekdays:
        days = ", ".join(d.isoformat() for d in weekdays)
        raise ValueError(f"workdays must be weekend days made working days (调休); not weekends: {days}")
    years = _parse_years(data) | {d.year for d in holidays | workdays}
    return WorkingCalendar(holidays=holidays, workdays=workdays, known_years=years)
