"""The calendar's horizon (issue 12 §1).

Working days follow the State Council's holiday schedule (国务院办公厅关于部分节假日安排的通知), published
once a year for the next; the Civil Code (民法典 Art. 201/203) counts a limit from the day after its start
to the end of its last day. Beyond the last year the calendar knows, a due date is only a guess:
- it is marked provisional on the event, in the envelope and in the read model;
- holiday data extend the calendar by whole years without dropping any (`chinesecalendar`, pinned,
  over the built-in table; an operator's data file over both);
- once the year is added, `revise_provisional` recounts it and records `DeadlineRevised`, once.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.domain import transfer_builders as tb
from xborder.domain.application import CALENDAR
from xborder.domain.calendar import CST, Due, TimeLimit, WorkingCalendar, calendar_from_dict
from xborder.domain.cases import CaseEvent, DeadlinePolicy, DeadlineRevised
from xborder.domain.holidays_cn import (
    BUILT_IN_YEARS,
    HOLIDAYS,
    WORKDAYS,
    built_in_calendar,
    china_calendar,
    package_calendar,
)
from xborder.infra.contracts import envelope_from_event
from xborder.projections.casedoc import apply_common, new_doc
from xborder.workflows.registry import transfer
from xborder.workflows.transfer.aggregate import VehicleTransfer

NO_DB = settings(database=None, deadline=None, max_examples=200)

# A data file holding one more year, as an operator writes it when the notice is published. These
# dates are an example for the tests (元旦 on Friday 2027-01-01 and a week of 春节), not the notice.
YEAR_2027: dict[str, Any] = {
    "holidays": ["2027-01-01", *(f"2027-02-{d:02d}" for d in range(6, 13))],
    "workdays": ["2027-02-14"],
}
WITH_2027 = china_calendar(calendar_from_dict(YEAR_2027))
TODAY = date(2026, 11, 29)


def cst(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=CST)


# ====================================================================== where the years come from
def test_chinesecalendar_agrees_with_the_built_in_notices_on_every_day_of_2025_and_2026() -> None:
    """The pinned `chinesecalendar` and the table transcribed from the 2025 and 2026 notices
    (国务院办公厅关于2025年/2026年部分节假日安排的通知) say the same of each of the 730 days."""
    package = package_calendar()
    assert package is not None
    day = date(2025, 1, 1)
    while day.year <= 2026:
        assert package.is_working_day(day) == built_in_calendar().is_working_day(day), day
        day += timedelta(days=1)
    in_table = {d for d in package.holidays | package.workdays if d.year in BUILT_IN_YEARS}
    assert in_table == HOLIDAYS | WORKDAYS


def test_the_pinned_chinesecalendar_knows_2026_last_so_the_horizon_is_2026_12_31() -> None:
    """chinesecalendar==1.11.0 (pyproject.toml) knows no year after 2026: upgrading it when it has 2027
    moves the horizon (and this test, which says what the pin gives)."""
    package = package_calendar()
    assert package is not None and package.horizon == date(2026, 12, 31)
    assert china_calendar().horizon == date(2026, 12, 31)
    assert china_calendar().known_years == frozenset({2025, 2026})


def test_a_data_file_adds_a_year_and_keeps_the_built_in_ones() -> None:
    """A file holding only 2027 extends the calendar: 2025-2026 stay as the notices say."""
    assert WITH_2027.known_years == frozenset({2025, 2026, 2027})
    assert WITH_2027.horizon == date(2027, 12, 31)
    assert not WITH_2027.is_working_day(date(2026, 10, 1))  # 国庆节 2026, built in
    assert WITH_2027.is_working_day(date(2026, 10, 10))  # its 调休 Saturday, built in
    assert not WITH_2027.is_working_day(date(2027, 1, 1))  # from the file
    assert WITH_2027.is_working_day(date(2027, 2, 14))  # a Sunday worked, from the file


def test_a_data_file_replaces_a_year_whole() -> None:
    """A year the file holds is the file's, entirely (a corrected notice): nothing of the old one stays."""
    corrected = china_calendar(calendar_from_dict({"holidays": ["2026-01-01"], "years": [2026]}))
    assert not corrected.is_working_day(date(2026, 1, 1))
    assert corrected.is_working_day(date(2026, 10, 8))  # no longer a holiday: the file's 2026 has none
    assert not corrected.is_working_day(date(2025, 10, 1))  # 2025 untouched
    assert corrected.known_years == frozenset({2025, 2026})


def test_a_data_file_may_declare_a_year_it_lists_no_day_of() -> None:
    cal = calendar_from_dict({"years": [2027]})
    assert cal.known_years == frozenset({2027}) and cal.holidays == frozenset()
    with pytest.raises(ValueError, match="not a year"):
        calendar_from_dict({"years": ["2027"]})


# ====================================================================== provisional deadlines
def test_the_issue_example_a_2_working_day_deadline_from_2026_12_30_is_provisional() -> None:
    """Issue 12: a 2-working-day archive deadline started on 2026-12-30 counts 2026-12-31 and 2027-01-01;
    without 2027's notice 元旦 counts as a working day, so the due date is provisional."""
    due = china_calendar().due(cst(2026, 12, 30, 10), TimeLimit(2, "working_days"))
    assert due == datetime(2027, 1, 1, 23, 59, 59, tzinfo=CST)
    assert due.provisional and due.missing == frozenset({2027})
    revised = WITH_2027.due(cst(2026, 12, 30, 10), TimeLimit(2, "working_days"))
    assert revised == datetime(2027, 1, 4, 23, 59, 59, tzinfo=CST) and not revised.provisional


def test_a_deadline_within_the_known_years_is_not_provisional() -> None:
    due = china_calendar().due(cst(2026, 12, 28, 10), TimeLimit(2, "working_days"))
    assert due == datetime(2026, 12, 30, 23, 59, 59, tzinfo=CST) and not due.provisional


def test_an_hours_limit_is_exact_and_never_provisional() -> None:
    due = china_calendar().due(cst(2026, 12, 31, 20), TimeLimit(24, "hours"))
    assert due.year == 2027 and not due.provisional


def test_the_warning_is_logged_once_per_missing_year(caplog: pytest.LogCaptureFixture) -> None:
    policy = DeadlinePolicy(calendar=china_calendar(), zones=tb.POLICY.zones)
    with caplog.at_level(logging.WARNING, logger="xborder.calendar"):
        for day in (28, 29, 30):
            policy.due("archive_release", [tb.CQ, tb.SC], cst(2026, 12, day, 10))
        policy.due("archive_release", [tb.CQ, tb.SC], cst(2027, 12, 30, 10))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "2027" in warnings[0] and "2028" in warnings[1]


def test_readiness_warns_when_the_calendar_ends_within_60_days() -> None:
    warning = china_calendar().horizon_warning(TODAY)
    assert warning is not None and "2026-12-31" in warning and "2027" in warning
    assert china_calendar().horizon_warning(date(2026, 10, 31)) is None  # 61 days before
    assert china_calendar().horizon_warning(date(2026, 11, 1)) is not None  # 60 days before
    assert "ended" in (china_calendar().horizon_warning(date(2027, 1, 5)) or "")
    assert WITH_2027.horizon_warning(TODAY) is None


def applied_on_2026_12_30() -> VehicleTransfer:
    return tb.apply(at=cst(2026, 12, 30, 10))


def test_the_event_marks_a_provisional_deadline_and_the_read_model_copies_it() -> None:
    case = applied_on_2026_12_30()
    opening = case.pending_events[1]  # ArchiveRequested starts the destination's request clock
    assert isinstance(opening, CaseEvent)
    assert opening.opens == {"archive_release": datetime(2027, 1, 1, 23, 59, 59, tzinfo=CST)}
    assert type(opening.opens["archive_release"]) is datetime  # stored as a plain instant
    assert opening.provisional == {"archive_release": {"amount": 2, "unit": "working_days"}}
    envelope = envelope_from_event("VehicleTransfer", opening, transfer.SPEC.events)
    assert envelope.deadlines.provisional == ["archive_release"]
    doc = new_doc("transfer", envelope)
    apply_common(doc, envelope)
    assert doc["deadlines"]["archive_release"] == {
        "due": "2027-01-01T23:59:59+08:00",
        "overdue": False,
        "provisional": True,
    }


def test_an_event_stored_before_provisional_reads_with_none() -> None:
    """Class version 3 added `provisional`; a version-2 event had none marked."""
    state: dict[str, Any] = {}
    CaseEvent.upcast_v2_v3(state)
    assert state == {"provisional": {}}


# ====================================================================== revision
def test_adding_the_year_revises_the_deadline_once_and_keeps_its_start() -> None:
    case = applied_on_2026_12_30()
    now = datetime(2026, 12, 31, 1, tzinfo=UTC)
    assert not case.revise_provisional(china_calendar(), now, CALENDAR)  # nothing new known: nothing
    assert case.revise_provisional(WITH_2027, now, CALENDAR)
    revision = case.pending_events[-1]
    assert isinstance(revision, VehicleTransfer.DeadlineRevised) and isinstance(revision, DeadlineRevised)
    assert revision.TOPIC == "xborder:VehicleTransfer.DeadlineRevised.v1"
    assert revision.opens == {"archive_release": datetime(2027, 1, 4, 23, 59, 59, tzinfo=CST)}
    assert revision.provisional == {}
    assert "国务院办公厅关于部分节假日安排的通知" in revision.reason
    assert revision.status == case.status and revision.closes == []
    assert case.deadlines["archive_release"].start == cst(2026, 12, 30, 10)
    assert not case.revise_provisional(WITH_2027, now, CALENDAR)  # idempotent
    envelope = envelope_from_event("VehicleTransfer", revision, transfer.SPEC.events)
    assert envelope.type == "DeadlineRevised" and envelope.data == {"reason": revision.reason}
    doc = new_doc("transfer", envelope)
    apply_common(doc, envelope)
    assert doc["deadlines"]["archive_release"] == {"due": "2027-01-04T23:59:59+08:00", "overdue": False}


def test_a_revision_that_still_passes_the_horizon_stays_provisional_and_replays() -> None:
    """Counting into 2028 with 2027 known: the due date moved and may move again; the mark stays."""
    start = cst(2027, 12, 30, 10)
    case = tb.apply(at=start, policy=DeadlinePolicy(calendar=china_calendar(), zones=tb.POLICY.zones))
    assert case.deadlines["archive_release"].due == datetime(2028, 1, 3, 23, 59, 59, tzinfo=CST)
    year_end_off = china_calendar(
        calendar_from_dict({**YEAR_2027, "holidays": [*YEAR_2027["holidays"], "2027-12-31"]})
    )
    assert case.revise_provisional(year_end_off, start, CALENDAR)
    assert case.deadlines["archive_release"].due == datetime(2028, 1, 4, 23, 59, 59, tzinfo=CST)
    revision = case.pending_events[-1]
    assert isinstance(revision, CaseEvent) and revision.provisional == {
        "archive_release": {"amount": 2, "unit": "working_days"}
    }
    assert not case.revise_provisional(year_end_off, start, CALENDAR)
    replayed = tb.replay(case.collect_events())
    assert replayed.deadlines == case.deadlines
    assert replayed.deadlines["archive_release"].provisional == TimeLimit(2, "working_days")
    assert replayed.deadlines["archive_release"].start == start


def test_a_due_date_that_stays_but_is_now_known_loses_its_mark() -> None:
    start = cst(2027, 12, 29, 10)  # counts 2027-12-30 and 12-31: the same days once 2027 is known
    case = tb.apply(at=start)
    assert case.deadlines["archive_release"].provisional is not None
    assert case.revise_provisional(WITH_2027, start, CALENDAR)
    revision = case.pending_events[-1]
    assert isinstance(revision, CaseEvent) and revision.provisional == {}
    assert revision.opens == {"archive_release": datetime(2027, 12, 31, 23, 59, 59, tzinfo=CST)}
    assert case.deadlines["archive_release"].provisional is None


def test_an_overdue_or_closed_deadline_is_not_revised() -> None:
    case = applied_on_2026_12_30()
    assert case.mark_overdue("archive_release", cst(2027, 1, 2), tb.WATCHER)
    assert not case.revise_provisional(WITH_2027, cst(2027, 1, 2), CALENDAR)


# ====================================================================== properties
CALENDARS = {"as shipped": china_calendar(), "with 2027": WITH_2027}
starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(CST)
)
day_limits = st.builds(
    TimeLimit, st.integers(min_value=1, max_value=40), st.sampled_from(["working_days", "calendar_days"])
)


@NO_DB
@given(start=starts, limit=day_limits, which=st.sampled_from(sorted(CALENDARS)))
def test_a_due_date_is_never_a_holiday_nor_a_weekend_not_worked(
    start: datetime, limit: TimeLimit, which: str
) -> None:
    """民法典 Art. 203: a limit's last day that is not a working day moves to the next working day."""
    calendar = CALENDARS[which]
    day = calendar.due(start, limit).date()
    assert day not in calendar.holidays
    assert day.weekday() < 5 or day in calendar.workdays


@NO_DB
@given(start=starts, limit=day_limits, which=st.sampled_from(sorted(CALENDARS)))
def test_provisional_exactly_when_the_counting_passes_the_known_horizon(
    start: datetime, limit: TimeLimit, which: str
) -> None:
    calendar = CALENDARS[which]
    assert calendar.horizon is not None
    due = calendar.due(start, limit)
    if start.date() <= calendar.horizon:  # a clock starting inside what the calendar knows
        assert due.provisional == (due.date() > calendar.horizon)
    else:
        assert due.provisional
    assert not calendar.due(start, TimeLimit(limit.amount, "hours")).provisional


@NO_DB
@given(start=starts, limit=day_limits)
def test_once_the_year_is_known_counting_agrees_with_counting_from_the_start_with_it(
    start: datetime, limit: TimeLimit
) -> None:
    """Recounting a provisional due date with the added year gives what a calendar that always knew
    the year gives — and recounting that again changes nothing."""
    first = china_calendar().due(start, limit)
    again = WITH_2027.due(start, limit)
    if not first.provisional:
        assert again == first  # a year added beyond the counting changes nothing
    assert WITH_2027.due(start, limit) == again


@NO_DB
@given(
    start=st.datetimes(
        min_value=datetime(2026, 12, 1), max_value=datetime(2027, 12, 31), timezones=st.just(CST)
    )
)
def test_revising_is_idempotent(start: datetime) -> None:
    case = tb.apply(at=start)
    now = start + timedelta(minutes=1)
    before = case.deadlines["archive_release"]
    recounted = WITH_2027.due(start, TimeLimit(2, "working_days"))
    changes = before.provisional is not None and (recounted != before.due or not recounted.provisional)
    assert case.revise_provisional(china_calendar(), now, CALENDAR) is False
    assert case.revise_provisional(WITH_2027, now, CALENDAR) is changes
    assert case.revise_provisional(WITH_2027, now, CALENDAR) is False
    due = case.deadlines["archive_release"].due
    assert due == WITH_2027.due(start, TimeLimit(2, "working_days"))


def test_due_is_a_datetime_stored_plain() -> None:
    due = Due.counted(cst(2027, 1, 1, 23), TimeLimit(2, "working_days"), [2027])
    assert isinstance(due, datetime) and due.provisional
    assert type(due.plain()) is datetime and due.plain() == due


def test_a_calendar_knowing_every_year_cannot_be_extended_and_overlaying_it_replaces_all() -> None:
    everything = WorkingCalendar(holidays=frozenset())
    with pytest.raises(ValueError, match="cannot be extended"):
        everything.overlaid(WITH_2027)
    assert WITH_2027.overlaid(everything) is everything
    with pytest.raises(ValueError, match="outside the calendar's known years"):
        WorkingCalendar(holidays=frozenset({date(2027, 1, 1)}), known_years=frozenset({2026}))
