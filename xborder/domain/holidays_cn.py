"""The State Council's public-holiday schedules (国务院办公厅关于部分节假日安排的通知), as data.

Three layers, each replacing whole years of the one before (`WorkingCalendar.overlaid`):
1. the table below (2025 and 2026, transcribed from the notices): a fallback and a cross-check;
2. the `chinesecalendar` package (pinned in pyproject.toml), maintained and released each year after
   the notice: upgrading it is how a new year normally arrives; it agrees with the table on every day
   of 2025-2026 (`tests/unit/domain/test_calendar_horizon.py`);
3. an operator's data file (`HOLIDAYS_FILE`, see `xborder.domain.calendar.calendar_from_dict`): adds a
   year before the package has it, or corrects one, without a release.
Beyond the last year known, deadlines count only weekends as days off and are marked provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from xborder.domain.calendar import WorkingCalendar

# The first year whose schedule the service uses (none of its cases counts days before it).
_FIRST_YEAR: Final = 2025

__all__ = [
    "BUILT_IN_YEARS",
    "HOLIDAYS",
    "WORKDAYS",
    "built_in_calendar",
    "china_calendar",
    "package_calendar",
]


@dataclass(frozen=True, slots=True)
class _Holiday:
    """One holiday as a notice announces it: the days off, and the weekend days worked in exchange
    (调休) — kept with the holiday they belong to, as the notice lists them."""

    name: str
    first: date
    last: date
    worked: tuple[date, ...] = ()

    @property
    def days(self) -> frozenset[date]:
        return frozenset(self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1))


_SCHEDULE: Final = (
    # 2025
    _Holiday("元旦", date(2025, 1, 1), date(2025, 1, 1)),
    _Holiday("春节", date(2025, 1, 28), date(2025, 2, 4), worked=(date(2025, 1, 26), date(2025, 2, 8))),
    _Holiday("清明节", date(2025, 4, 4), date(2025, 4, 6)),
    _Holiday("劳动节", date(2025, 5, 1), date(2025, 5, 5), worked=(date(2025, 4, 27),)),
    _Holiday("端午节", date(2025, 5, 31), date(2025, 6, 2)),
    _Holiday(
        "国庆节、中秋节", date(2025, 10, 1), date(2025, 10, 8), worked=(date(2025, 9, 28), date(2025, 10, 11))
    ),
    # 2026
    _Holiday("元旦", date(2026, 1, 1), date(2026, 1, 3), worked=(date(2026, 1, 4),)),
    _Holiday("春节", date(2026, 2, 15), date(2026, 2, 23), worked=(date(2026, 2, 14), date(2026, 2, 28))),
    _Holiday("清明节", date(2026, 4, 4), date(2026, 4, 6)),
    _Holiday("劳动节", date(2026, 5, 1), date(2026, 5, 5), worked=(date(2026, 5, 9),)),
    _Holiday("端午节", date(2026, 6, 19), date(2026, 6, 21)),
    _Holiday("中秋节", date(2026, 9, 25), date(2026, 9, 27)),
    _Holiday("国庆节", date(2026, 10, 1), date(2026, 10, 7), worked=(date(2026, 9, 20), date(2026, 10, 10))),
)

HOLIDAYS: Final[frozenset[date]] = frozenset().union(*(holiday.days for holiday in _SCHEDULE))
WORKDAYS: Final[frozenset[date]] = frozenset(day for holiday in _SCHEDULE for day in holiday.worked)


BUILT_IN_YEARS: Final[frozenset[int]] = frozenset(holiday.first.year for holiday in _SCHEDULE)


def built_in_calendar() -> WorkingCalendar:
    """The table above alone."""
    return WorkingCalendar(holidays=HOLIDAYS, workdays=WORKDAYS, known_years=BUILT_IN_YEARS)


def package_calendar() -> WorkingCalendar | None:
    """The `chinesecalendar` package's schedules from 2025 on (None if it is not installed). Its data
    are two dicts of dates (days off, including the weekends inside a holiday; weekend days worked);
    the years it knows run from its first to its last holiday's year."""
    try:
        from chinese_calendar import constants  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - a dependency; the table is the fallback
        return None
    off: frozenset[date] = frozenset(d for d in constants.holidays if d.year >= _FIRST_YEAR)
    worked: frozenset[date] = frozenset(d for d in constants.workdays if d.year >= _FIRST_YEAR)
    last = max(d.year for d in constants.holidays)
    years = frozenset(range(_FIRST_YEAR, last + 1))
    return WorkingCalendar(holidays=off, workdays=worked, known_years=years)


def china_calendar(override: WorkingCalendar | None = None) -> WorkingCalendar:
    """The national calendar: the table, overlaid by the package's years, overlaid by `override`'s
    (an operator's data file) — each replacing whole years, none dropping any."""
    calendar = built_in_calendar()
    package = package_calendar()
    if package is not None:
        calendar = calendar.overlaid(package)
    return calendar if override is None else calendar.overlaid(override)
