from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xborder.domain.calendar import CST, TimeLimit, TimeUnit, WorkingCalendar, calendar_from_dict
from xborder.domain.holidays_cn import HOLIDAYS, WORKDAYS, china_calendar

CAL = china_calendar()
# No example database: unit tests stay free of file I/O.
NO_DB = settings(database=None, deadline=None, max_examples=300)


def cst(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=CST)


def end_of(y: int, m: int, d: int) -> datetime:
    return cst(y, m, d, 23, 59, 59)


def test_cst_is_fixed_utc_plus_8() -> None:
    assert CST.utcoffset(None) == timedelta(hours=8)
    assert CST.tzname(None) == "CST"


@pytest.mark.parametrize(
    ("amount", "unit", "text"),
    [
        (2, "working_days", "2 working days"),
        (1, "working_days", "1 working day"),
        (30, "calendar_days", "30 calendar days"),
        (24, "hours", "24 hours"),
        (1, "hours", "1 hour"),
    ],
)
def test_time_limit_str(amount: int, unit: TimeUnit, text: str) -> None:
    assert str(TimeLimit(amount, unit)) == text


@pytest.mark.parametrize(
    ("amount", "unit"), [(0, "hours"), (-1, "working_days"), (True, "hours"), (2, "weeks")]
)
def test_time_limit_rejects_bad_values(amount: Any, unit: Any) -> None:
    with pytest.raises(ValueError, match="time limit"):
        TimeLimit(amount, unit)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 20), True),  # Friday
        (date(2026, 11, 21), False),  # Saturday
        (date(2026, 11, 22), False),  # Sunday
        (date(2026, 10, 1), False),  # 国庆, Thursday
        (date(2026, 10, 7), False),  # 国庆, Wednesday
        (date(2026, 10, 8), True),  # Thursday after 国庆
        (date(2026, 10, 10), True),  # 调休 Saturday
        (date(2026, 9, 20), True),  # 调休 Sunday
        (date(2026, 2, 16), False),  # 春节, Monday
        (date(2026, 1, 4), True),  # 调休 Sunday
        (date(2025, 10, 8), False),  # 2025 国庆+中秋, Wednesday
        (date(2025, 10, 11), True),  # 调休 Saturday
        (date(2027, 3, 1), True),  # beyond the data: weekdays work
        (date(2027, 3, 6), False),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 20), date(2026, 11, 20)),
        (date(2026, 11, 21), date(2026, 11, 23)),
        (date(2026, 10, 1), date(2026, 10, 8)),
        (date(2026, 2, 15), date(2026, 2, 24)),
        (date(2026, 10, 10), date(2026, 10, 10)),
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert CAL.next_working_day(day) == expected


@pytest.mark.parametrize(
    ("start", "limit", "expected"),
    [
        # Across a weekend: Fri + 2 working days → Tue.
        (cst(2026, 11, 20, 15), TimeLimit(2, "working_days"), end_of(2026, 11, 24)),
        # The start day itself never counts, even at 00:00.
        (cst(2026, 11, 23, 0), TimeLimit(1, "working_days"), end_of(2026, 11, 24)),
        # Across 国庆 2026 (Oct 1-7): the next working day is Thu Oct 8.
        (cst(2026, 9, 30, 9), TimeLimit(1, "working_days"), end_of(2026, 10, 8)),
        # A 调休 Saturday counts as a working day.
        (cst(2026, 10, 9, 9), TimeLimit(1, "working_days"), end_of(2026, 10, 10)),
        # A 调休 Sunday before 国庆 counts too: Sat Sep 19 + 1 → Sun Sep 20.
        (cst(2026, 9, 19, 9), TimeLimit(1, "working_days"), end_of(2026, 9, 20)),
        # Across 春节 2026 (Feb 15-23), Sat Feb 14 being a 调休 workday.
        (cst(2026, 2, 13, 9), TimeLimit(2, "working_days"), end_of(2026, 2, 24)),
        (cst(2026, 11, 20, 15), TimeLimit(10, "working_days"), end_of(2026, 12, 4)),
        # 30 calendar days landing on 国庆 move to the next working day (民法典 Art 203).
        (cst(2026, 9, 1, 10), TimeLimit(30, "calendar_days"), end_of(2026, 10, 8)),
        # ... and landing on a weekend move to Monday.
        (cst(2026, 10, 22, 10), TimeLimit(30, "calendar_days"), end_of(2026, 11, 23)),
        # ... and landing on a working day stay.
        (cst(2026, 11, 1, 10), TimeLimit(30, "calendar_days"), end_of(2026, 12, 1)),
        # Hours are exact, with no rolling over nights, weekends or holidays.
        (cst(2026, 9, 30, 20, 15, 30), TimeLimit(24, "hours"), cst(2026, 10, 1, 20, 15, 30)),
        (cst(2026, 11, 20, 15), TimeLimit(72, "hours"), cst(2026, 11, 23, 15)),
    ],
)
def test_due(start: datetime, limit: TimeLimit, expected: datetime) -> None:
    due = CAL.due(start, limit)
    assert due == expected
    assert due.tzinfo is CST
    assert due.microsecond == 0


def test_utc_start_counts_from_the_cst_date() -> None:
    # 2026-11-20T17:00Z is Sat Nov 21 01:00 CST: 3 calendar days from Nov 21 is Tue Nov 24.
    saturday_cst = datetime(2026, 11, 20, 17, tzinfo=UTC)
    assert CAL.due(saturday_cst, TimeLimit(3, "calendar_days")) == end_of(2026, 11, 24)
    # 2026-11-19T17:00Z is Fri Nov 20 01:00 CST: 1 working day later is Mon Nov 23, not Fri.
    friday_cst = datetime(2026, 11, 19, 17, tzinfo=UTC)
    assert CAL.due(friday_cst, TimeLimit(1, "working_days")) == end_of(2026, 11, 23)


def test_hours_from_another_zone_are_returned_in_cst() -> None:
    start = datetime(2026, 11, 20, 17, 0, 0, 123456, tzinfo=UTC)
    due = CAL.due(start, TimeLimit(24, "hours"))
    assert due.tzinfo is CST
    assert due == cst(2026, 11, 22, 1)


def test_naive_start_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.due(datetime(2026, 11, 20, 15), TimeLimit(2, "working_days"))


def test_holiday_data_is_consistent() -> None:
    assert all(d.weekday() >= 5 for d in WORKDAYS)
    assert not HOLIDAYS & WORKDAYS
    assert {d.year for d in HOLIDAYS} == {2025, 2026}
    # Day counts of each span in the State Council schedules, in order.
    assert len([d for d in HOLIDAYS if d.year == 2025]) == 1 + 8 + 3 + 5 + 3 + 8
    assert len([d for d in HOLIDAYS if d.year == 2026]) == 3 + 9 + 3 + 5 + 3 + 3 + 7


def test_calendar_rejects_day_both_off_and_on() -> None:
    with pytest.raises(ValueError, match="both"):
        WorkingCalendar(holidays=frozenset({date(2026, 1, 4)}), workdays=frozenset({date(2026, 1, 4)}))


def test_calendar_from_dict() -> None:
    cal = calendar_from_dict({"holidays": ["2026-01-01", "2026-01-02"], "workdays": ["2026-01-04"]})
    assert cal == WorkingCalendar(
        holidays=frozenset({date(2026, 1, 1), date(2026, 1, 2)}),
        workdays=frozenset({date(2026, 1, 4)}),
        known_years=frozenset({2026}),
    )
    # an empty file knows no year: overlaid on the national calendar it changes nothing
    assert calendar_from_dict({}) == WorkingCalendar(holidays=frozenset(), known_years=frozenset())


def test_calendar_from_dict_reproduces_the_builtin_schedule() -> None:
    data = {
        "holidays": sorted(d.isoformat() for d in HOLIDAYS),
        "workdays": sorted(d.isoformat() for d in WORKDAYS),
    }
    assert calendar_from_dict(data) == CAL


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"holidays": "2026-01-01"}, "list"),
        ({"holidays": ["2026-02-30"]}, "real date"),
        ({"holidays": ["2026/01/01"]}, "YYYY-MM-DD"),
        ({"holidays": ["20260101"]}, "YYYY-MM-DD"),
        ({"holidays": [20260101]}, "YYYY-MM-DD"),
        ({"workdays": ["2026-01-05"]}, "weekend"),
        ({"holidays": ["2026-01-04"], "workdays": ["2026-01-04"]}, "both"),
        ({"holiday": ["2026-01-01"]}, "unknown"),
        (["2026-01-01"], "object"),
    ],
)
def test_calendar_from_dict_rejects(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calendar_from_dict(data)


_OFFSETS = st.sampled_from([CST, UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=14))])
_STARTS = st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2027, 12, 31), timezones=_OFFSETS)
_DAYS = st.dates(min_value=date(2024, 12, 1), max_value=date(2028, 3, 31))
_CALENDARS = st.one_of(
    st.just(CAL),
    st.builds(
        lambda holidays, workdays: WorkingCalendar(
            holidays=frozenset(holidays), workdays=frozenset(w for w in workdays if w not in holidays)
        ),
        st.frozensets(_DAYS, max_size=200),
        st.frozensets(_DAYS, max_size=20),
    ),
)


def _working_days_between(cal: WorkingCalendar, after: date, through: date) -> int:
    """Working days in the half-open interval (after, through]."""
    days = (through - after).days
    return sum(cal.is_working_day(after + timedelta(days=i)) for i in range(1, days + 1))


@NO_DB
@given(cal=_CALENDARS, start=_STARTS, amount=st.integers(min_value=1, max_value=40))
def test_working_day_deadline_property(cal: WorkingCalendar, start: datetime, amount: int) -> None:
    due = cal.due(start, TimeLimit(amount, "working_days"))
    start_date = start.astimezone(CST).date()
    assert due.tzinfo is CST
    assert (due.hour, due.minute, due.second, due.microsecond) == (23, 59, 59, 0)
    assert cal.is_working_day(due.date())
    assert due > start
    assert due.date() > start_date
    assert _working_days_between(cal, start_date, due.date()) == amount


@NO_DB
@given(cal=_CALENDARS, start=_STARTS, amount=st.integers(min_value=1, max_value=60))
def test_calendar_day_deadline_property(cal: WorkingCalendar, start: datetime, amount: int) -> None:
    due = cal.due(start, TimeLimit(amount, "calendar_days"))
    nominal = start.astimezone(CST).date() + timedelta(days=amount)
    assert cal.is_working_day(due.date())
    assert due.date() >= nominal
    # Only non-working days were skipped to get there.
    assert _working_days_between(cal, nominal - timedelta(days=1), due.date()) == 1


@NO_DB
@given(start=_STARTS, amount=st.integers(min_value=1, max_value=200))
def test_hours_deadline_property(start: datetime, amount: int) -> None:
    due = CAL.due(start, TimeLimit(amount, "hours"))
    assert due.tzinfo is CST
    assert due.microsecond == 0
    assert timedelta(0) <= start + timedelta(hours=amount) - due < timedelta(seconds=1)
