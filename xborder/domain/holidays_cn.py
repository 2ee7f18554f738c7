"""The State Council's public-holiday schedules (国务院办公厅关于部分节假日安排的通知), as data.

Extend this every year when the State Council publishes the next year's schedule (usually in
November); until then deadlines in the new year count only weekends as days off. Operators can
override it without a release by pointing the settings at a JSON calendar file
(see `xborder.domain.calendar.calendar_from_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from xborder.domain.calendar import WorkingCalendar

__all__ = ["HOLIDAYS", "WORKDAYS", "china_calendar"]


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


def china_calendar() -> WorkingCalendar:
    """The built-in national calendar, used unless an operator supplies one."""
    return WorkingCalendar(holidays=HOLIDAYS, workdays=WORKDAYS)
