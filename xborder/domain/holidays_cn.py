"""The State Council's public-holiday schedules (国务院办公厅关于部分节假日安排的通知), as data.

Extend this every year when the State Council publishes the next year's schedule (usually in
November); until then deadlines in the new year count only weekends as days off. Operators can
override it without a release by pointing the settings at a JSON calendar file
(see `xborder.domain.calendar.calendar_from_dict`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from xborder.domain.calendar import WorkingCalendar

__all__ = ["HOLIDAYS", "WORKDAYS", "china_calendar"]


def _span(first: date, last: date) -> frozenset[date]:
    return frozenset(first + timedelta(days=i) for i in range((last - first).days + 1))


_HOLIDAYS_2025: Final = (
    _span(date(2025, 1, 1), date(2025, 1, 1))  # 元旦
    | _span(date(2025, 1, 28), date(2025, 2, 4))  # 春节
    | _span(date(2025, 4, 4), date(2025, 4, 6))  # 清明节
    | _span(date(2025, 5, 1), date(2025, 5, 5))  # 劳动节
    | _span(date(2025, 5, 31), date(2025, 6, 2))  # 端午节
    | _span(date(2025, 10, 1), date(2025, 10, 8))  # 国庆节、中秋节
)
_WORKDAYS_2025: Final = frozenset(
    {
        date(2025, 1, 26),  # 春节调休 (Sun)
        date(2025, 2, 8),  # 春节调休 (Sat)
        date(2025, 4, 27),  # 劳动节调休 (Sun)
        date(2025, 9, 28),  # 国庆节调休 (Sun)
        date(2025, 10, 11),  # 国庆节调休 (Sat)
    }
)

_HOLIDAYS_2026: Final = (
    _span(date(2026, 1, 1), date(2026, 1, 3))  # 元旦
    | _span(date(2026, 2, 15), date(2026, 2, 23))  # 春节
    | _span(date(2026, 4, 4), date(2026, 4, 6))  # 清明节
    | _span(date(2026, 5, 1), date(2026, 5, 5))  # 劳动节
    | _span(date(2026, 6, 19), date(2026, 6, 21))  # 端午节
    | _span(date(2026, 9, 25), date(2026, 9, 27))  # 中秋节
    | _span(date(2026, 10, 1), date(2026, 10, 7))  # 国庆节
)
_WORKDAYS_2026: Final = frozenset(
    {
        date(2026, 1, 4),  # 元旦调休 (Sun)
        date(2026, 2, 14),  # 春节调休 (Sat)
        date(2026, 2, 28),  # 春节调休 (Sat)
        date(2026, 5, 9),  # 劳动节调休 (Sat)
        date(2026, 9, 20),  # 国庆节调休 (Sun)
        date(2026, 10, 10),  # 国庆节调休 (Sat)
    }
)

HOLIDAYS: Final[frozenset[date]] = _HOLIDAYS_2025 | _HOLIDAYS_2026
WORKDAYS: Final[frozenset[date]] = _WORKDAYS_2025 | _WORKDAYS_2026


def china_calendar() -> WorkingCalendar:
    """The built-in national calendar, used unless an operator supplies one."""
    return WorkingCalendar(holidays=HOLIDAYS, workdays=WORKDAYS)
