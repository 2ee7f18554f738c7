"""Every hit-and-run case can be finished (issue 12 §3; DOMAIN.md §3): the incident province's own
capture, the suspect vehicle amended and a wrongly named plate released, a case a rescue opened filled
in later, an unsolved case suspended and reopened, the victim's interim determination on its own
10-working-day clock (146号令 Art 62, 66), and the points of 163号令 Art 8 and 10 with their basis."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.unit.domain.hit_and_run_builders import (
    ACK_HOURS,
    CHUAN_INV,
    GUI,
    GUI_INV,
    INTERIM_REFERENCE,
    PLATE,
    POLICY,
    SC,
    SUSPECT,
    T0,
    TARGETS,
    WATCHER,
    YU,
    YU_INV,
    YUN,
    ack,
    acknowledge,
    amend,
    apprehend,
    eod,
    handover,
    in_status,
    incident,
    interim,
    interim_request,
    open_case,
    reopen,
    replay,
    request,
    solve,
    state,
    suspend,
    types_of,
    vehicle,
)
from tests.unit.projections.agreement import stored_and_read
from xborder.domain.actors import Actor, Role
from xborder.domain.calendar import CST
from xborder.domain.errors import DomainError, NotPermitted, RuleViolation, TransitionNotAllowed
from xborder.domain.plates import Plate
from xborder.infra.contracts import envelope_from_event
from xborder.workflows.hit_and_run.aggregate import (
    BASIS_CRIMINAL,
    BASIS_MINOR,
    BASIS_SERIOUS,
    HitAndRunCase,
    HitAndRunStatus,
    Outcome,
)
from xborder.workflows.hit_and_run.contract import EVENT_SCHEMAS
from xborder.workflows.rescue.process import incident_from_rescue

S = HitAndRunStatus
H = timedelta(hours=1)
LATER = T0 + timedelta(days=1)
OTHER_PLATE = "川A54321"


def refused(c: HitAndRunCase, command: object, error: type[DomainError], code: str | None = None) -> None:
    """`command` (a thunk) is refused with `error` (and `code`) and leaves the case as it was."""
    before = state(c)
    with pytest.raises(error) as caught:
        command()  # type: ignore[operator]
    if code is not None:
        assert caught.value.code == code
    assert c.pending_events == []
    assert state(c) == before


# ============================================= the incident province catches the suspect itself
@pytest.mark.parametrize("status", [S.OPEN, S.ASSISTANCE_REQUESTED])
def test_the_incident_province_records_its_own_capture_and_has_custody_at_once(status: S) -> None:
    """DOMAIN.md §3.3 (`SuspectApprehended` by a responding province or the incident province itself);
    146号令 Art 62: the responsibility determination is due 10 working days after the capture."""
    c = in_status(status)
    c.collect_events()
    at = datetime(2026, 11, 23, 10, 0, tzinfo=CST)  # Mon
    apprehend(SC)(c, at)
    (caught,) = c.collect_events()
    assert (caught.target, caught.plate, caught.joined) == (SC, PLATE, [])
    assert caught.opens == {"determination": eod(2026, 12, 7)}  # Mon 11-23 + 10 working days
    # in its own custody: no handover is awaited, the next step is solving
    assert (c.status, c.apprehended_by) == (S.HANDED_OVER, SC)
    assert caught.status == S.HANDED_OVER
    assert [a["action"] for a in caught.awaiting if a["province"] == SC] == ["mark_solved"]
    refused(c, lambda: handover(c, at + H), TransitionNotAllowed)
    solve(c, at + 2 * H)
    (solved,) = c.collect_events()
    assert solved.withdrawn_from == ([] if status == S.OPEN else TARGETS)
    assert c.status == S.SOLVED


def test_a_target_still_captures_only_once_the_request_reached_it_and_only_investigators_capture() -> None:
    c = in_status(S.ASSISTANCE_REQUESTED)
    c.collect_events()
    police = Actor("jiao-sc", SC, Role.TRAFFIC_POLICE)
    refused(
        c,
        lambda: c.apprehend(Plate.parse(PLATE), SUSPECT, True, actor=police, at=LATER, policy=POLICY),
        NotPermitted,
    )
    apprehend(SC)(c, LATER)
    c.collect_events()
    refused(c, lambda: apprehend(YU)(c, LATER + H), TransitionNotAllowed)  # caught already


# ============================================== the suspect vehicle amended, a wrong plate released
def test_amending_releases_the_wrongly_named_plate_with_its_reason() -> None:
    """DOMAIN.md §3: the incident province may amend the suspect vehicle and release a wrongly named
    plate (its hold lifted, with the reason) — an event every involved province receives."""
    c = open_case(what=incident(suspect_vehicle=vehicle(plate=Plate.parse(PLATE), plate_partial=None)))
    request()(c, T0 + H)
    c.collect_events()
    assert c.suspect_plate == PLATE
    c.amend_suspect_vehicle(vehicle(), "  车主提供案发时车辆在外地的证明 ", actor=CHUAN_INV, at=LATER)
    (amended,) = c.collect_events()
    assert type(amended).__name__ == "SuspectVehicleAmended"
    assert amended.released_plate == PLATE
    assert amended.reason == "车主提供案发时车辆在外地的证明"
    assert amended.suspect_vehicle == vehicle().as_dict()
    assert amended.provinces == sorted([SC, *TARGETS])  # every involved province receives it
    assert (amended.opens, amended.closes, amended.joined) == ({}, [], [])
    assert c.suspect_plate is None
    assert c.status == S.ASSISTANCE_REQUESTED  # amending decides nothing else


def test_amending_to_another_plate_releases_the_first_and_names_the_second() -> None:
    c = open_case(what=incident(suspect_vehicle=vehicle(plate=Plate.parse(PLATE))))
    amend(plate=Plate.parse(OTHER_PLATE))(c, LATER)
    (amended,) = c.collect_events()[1:]
    assert (amended.released_plate, amended.suspect_vehicle["plate"]) == (PLATE, OTHER_PLATE)
    assert c.suspect_plate == OTHER_PLATE
    # describing the same plate better releases nothing
    amend(plate=Plate.parse(OTHER_PLATE), features="右前大灯破损，后保险杠凹陷")(c, LATER + H)
    (again,) = c.collect_events()
    assert again.released_plate is None and c.suspect_plate == OTHER_PLATE


@pytest.mark.parametrize(
    ("what", "reason", "error", "code"),
    [
        (vehicle(), "已核实", RuleViolation, "suspect_vehicle.unchanged"),
        (
            vehicle(plate_partial=None, color="", model=""),
            "已核实",
            RuleViolation,
            "suspect_vehicle.undescribed",
        ),
        (vehicle(color="黑色"), "   ", RuleViolation, "field.missing"),
    ],
    ids=["unchanged", "undescribed", "no_reason"],
)
def test_an_amendment_must_change_something_describe_the_vehicle_and_say_why(
    what: object, reason: str, error: type[DomainError], code: str
) -> None:
    c = open_case()
    c.collect_events()
    refused(c, lambda: c.amend_suspect_vehicle(what, reason, actor=CHUAN_INV, at=LATER), error, code)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [S.SUSPECT_APPREHENDED, S.HANDED_OVER, S.SOLVED, S.CLOSED])
def test_after_the_capture_the_caught_vehicle_is_the_suspect_vehicle(status: S) -> None:
    c = in_status(status)
    c.collect_events()
    refused(c, lambda: amend(color="黑色")(c, LATER), TransitionNotAllowed)


def test_only_the_incident_provinces_investigators_amend() -> None:
    c = in_status(S.ASSISTANCE_REQUESTED)
    c.collect_events()
    refused(
        c,
        lambda: c.amend_suspect_vehicle(vehicle(color="黑色"), "误认", actor=YU_INV, at=LATER),
        NotPermitted,
    )


def test_a_suspended_case_may_release_a_wrongly_held_plate() -> None:
    c = open_case(what=incident(suspect_vehicle=vehicle(plate=Plate.parse(PLATE))))
    suspend(c, LATER)
    amend()(c, LATER + H)
    (amended,) = c.collect_events()[2:]
    assert amended.released_plate == PLATE and c.status == S.SUSPENDED


# ======================================================= a case a rescue opened, filled in later
def test_a_case_a_rescue_opened_has_its_suspect_vehicle_filled_in_by_the_incident_investigators() -> None:
    """DOMAIN.md §4: a rescue whose driver fled opens a case (the process manager, as the system);
    issue 12 §3: the incident province's investigators fill in the vehicle later — nothing was named,
    so nothing is released."""
    rescue = {
        "occurred_at": (T0 - H).isoformat(),
        "place": {"road": "G85 渝昆高速", "km": 1712.5},
        "casualties": [{"severity": "dead"}, {"severity": "serious"}],
    }
    system = Actor("system:rescue-process", SC, Role.SYSTEM)
    c = HitAndRunCase.open(incident_from_rescue(rescue), actor=system, at=T0, rescue_id="r-1")
    c.collect_events()
    assert c.suspect_plate is None
    found = vehicle(plate=Plate.parse(PLATE), plate_partial=None, color="白色", model="大众朗逸")
    c.amend_suspect_vehicle(found, "调取沿线卡口视频确认肇事车辆", actor=CHUAN_INV, at=LATER)
    (filled,) = c.collect_events()
    assert (filled.released_plate, filled.suspect_vehicle["plate"]) == (None, PLATE)
    assert (c.suspect_plate, c.status) == (PLATE, S.OPEN)
    # the process manager's system actor is not an investigator
    refused(c, lambda: c.amend_suspect_vehicle(vehicle(), "系统", actor=system, at=LATER + H), NotPermitted)


# ========================================================== suspended, and reopened
def test_suspending_stops_every_clock_and_awaits_nobody() -> None:
    """DOMAIN.md §3: an unsolved case may be suspended; a suspended case runs no clock."""
    c = in_status(S.ASSISTANCE_REQUESTED)  # 渝贵云 each owe an acknowledgement
    c.collect_events()
    c.suspend("  线索穷尽 ", actor=CHUAN_INV, at=LATER)
    (suspended,) = c.collect_events()
    assert type(suspended).__name__ == "CaseSuspended"
    assert suspended.reason == "线索穷尽"
    assert suspended.closes == sorted(ack(code) for code in TARGETS)
    assert (suspended.status, suspended.awaiting) == (S.SUSPENDED, [])
    assert (c.deadlines, c.is_open) == ({}, True)  # not over: the suspect vehicle stays held
    refused(c, lambda: acknowledge(YUN)(c, LATER + H), TransitionNotAllowed)
    refused(c, lambda: c.report_clue(True, "卡口", actor=YU_INV, at=LATER + H), TransitionNotAllowed)
    refused(c, lambda: apprehend(YU)(c, LATER + H), TransitionNotAllowed)
    refused(c, lambda: request([GUI])(c, LATER + H), TransitionNotAllowed)
    refused(c, lambda: suspend(c, LATER + H), TransitionNotAllowed)
    assert c.mark_overdue(ack(YUN), LATER + 40 * H, WATCHER) is False


def test_reopening_restarts_the_unanswered_targets_clocks_with_their_first_window() -> None:
    """Reopening restarts what the request still awaits: each target that had not acknowledged gets
    its clock anew, with the window it was first given (decisions.md, issue 12)."""
    c = open_case()
    request([YU, GUI], 6)(c, T0 + H)
    request([YUN])(c, T0 + 2 * H)  # the zone's window
    acknowledge(GUI)(c, T0 + 3 * H)
    suspend(c, LATER)
    zone_window = c.collect_events()[2].ack_within_hours
    at = LATER + timedelta(days=30)
    reopen(c, at)
    (reopened,) = c.collect_events()
    assert reopened.reason == "群众举报发现疑似车辆"
    assert reopened.opens == {ack(YU): at + 6 * H, ack(YUN): at + zone_window * H}
    assert c.status == S.ASSISTANCE_REQUESTED
    assert [a["province"] for a in reopened.awaiting] == [YU, YUN]


def test_a_case_suspended_before_any_request_reopens_open() -> None:
    c = open_case()
    suspend(c, LATER)
    reopen(c, LATER + H)
    assert types_of(c.collect_events()) == ["CaseOpened", "CaseSuspended", "CaseReopened"]
    assert (c.status, c.deadlines) == (S.OPEN, {})


@pytest.mark.parametrize("status", [S.SUSPECT_APPREHENDED, S.HANDED_OVER, S.SOLVED, S.CLOSED])
def test_only_an_unsolved_case_is_suspended(status: S) -> None:
    c = in_status(status)
    c.collect_events()
    refused(c, lambda: suspend(c, LATER), TransitionNotAllowed)


def test_suspending_and_reopening_need_a_reason_and_the_incident_province() -> None:
    c = in_status(S.ASSISTANCE_REQUESTED)
    c.collect_events()
    refused(c, lambda: c.suspend(" ", actor=CHUAN_INV, at=LATER), RuleViolation, "field.missing")
    refused(c, lambda: c.suspend("线索穷尽", actor=GUI_INV, at=LATER), NotPermitted)
    suspend(c, LATER)
    c.collect_events()
    refused(c, lambda: c.reopen("", actor=CHUAN_INV, at=LATER, policy=POLICY), RuleViolation, "field.missing")
    refused(c, lambda: c.reopen("新线索", actor=YU_INV, at=LATER, policy=POLICY), NotPermitted)


# ====================================== the victim's interim determination, on its own clock
def test_the_victims_request_starts_its_own_10_working_day_clock() -> None:
    """146号令 Art 66: an unsolved case's victim asks in writing; the determination is due within 10
    (working) days of the request — Fri 11-20 15:00 + 10 working days = Fri 12-04."""
    c = open_case()
    c.collect_events()
    interim_request(c, T0)
    (requested,) = c.collect_events()
    assert type(requested).__name__ == "InterimDeterminationRequested"
    assert requested.reference == INTERIM_REFERENCE
    assert requested.opens == {"interim_determination": eod(2026, 12, 4)}
    assert requested.awaiting == [
        {
            "province": SC,
            "role": "investigator",
            "action": "issue_interim_determination",
            "deadline": "interim_determination",
        }
    ]
    refused(c, lambda: interim_request(c, T0 + H), TransitionNotAllowed)  # one at a time
    refused(c, lambda: suspend(c, T0 + H), TransitionNotAllowed)  # the victim is answered first
    interim(c, T0 + 2 * H)
    (issued,) = c.collect_events()
    assert issued.closes == ["interim_determination"]
    assert (c.deadlines, issued.awaiting) == ({}, [])


def test_an_unanswered_request_goes_overdue_and_can_still_be_answered() -> None:
    c = open_case()
    interim_request(c, T0)
    assert c.mark_overdue("interim_determination", eod(2026, 12, 4), WATCHER) is False  # not yet
    assert c.mark_overdue("interim_determination", eod(2026, 12, 4) + H, WATCHER) is True
    overdue = c.collect_events()[-1]
    assert type(overdue).__name__ == "InterimDeterminationOverdue"
    assert (overdue.deadline, overdue.overdue) == ("interim_determination", ["interim_determination"])
    interim(c, eod(2026, 12, 7))
    assert c.deadlines == {}


def test_an_interim_determination_unasked_starts_and_stops_nothing() -> None:
    c = in_status(S.SUSPENDED)  # a suspended case included
    c.collect_events()
    interim(c, LATER)
    (issued,) = c.collect_events()
    assert (issued.opens, issued.closes, c.status) == ({}, [], S.SUSPENDED)


def test_no_request_on_a_suspended_or_caught_case_and_a_capture_replaces_the_interim_clock() -> None:
    """A capture starts the determination clock (146号令 Art 62): the interim one stops with it."""
    c = in_status(S.SUSPENDED)
    c.collect_events()
    refused(c, lambda: interim_request(c, LATER), TransitionNotAllowed)  # reopen first
    c = in_status(S.ASSISTANCE_REQUESTED)
    interim_request(c, LATER)
    apprehend(YU)(c, LATER + H)
    caught = c.collect_events()[-1]
    assert caught.closes == ["interim_determination"]
    assert set(c.deadlines) == {"determination", ack(YU), ack(GUI), ack(YUN)}
    refused(c, lambda: interim_request(c, LATER + 2 * H), TransitionNotAllowed)


# ================================================ points by 163号令, with their legal basis
@pytest.mark.parametrize(
    ("outcome", "points", "dead", "expected", "basis"),
    [
        (Outcome.CLOSED, None, 1, 12, BASIS_SERIOUS),  # 163号令 Art 8 (2): the rule decides
        (Outcome.CLOSED, 12, 1, 12, BASIS_SERIOUS),
        (Outcome.CLOSED, 12, 0, 12, BASIS_SERIOUS),
        (Outcome.CLOSED, 6, 0, 6, BASIS_MINOR),  # Art 10 (7): minor injury or property only
        (Outcome.CRIMINAL, None, 1, 0, BASIS_CRIMINAL),  # a crime: no points (道路交通安全法 Art 101)
        (Outcome.CRIMINAL, 0, 1, 0, BASIS_CRIMINAL),
    ],
)
def test_points_follow_163_and_the_determination_records_their_legal_basis(
    outcome: Outcome, points: int | None, dead: int, expected: int, basis: str
) -> None:
    c = open_case(what=incident(dead=dead))
    for step in (request(), acknowledge(YU), apprehend(YU), handover, solve):
        step(c, T0 + H)
    c.collect_events()
    c.determine(outcome, points, actor=CHUAN_INV, at=LATER)
    determined, _final = c.collect_events()
    assert (determined.points, determined.legal_basis) == (expected, basis)
    assert "163号令" in basis


@pytest.mark.parametrize(
    ("outcome", "points", "dead"),
    [
        (Outcome.CLOSED, 6, 1),  # someone died: Art 8 (2), never Art 10 (7)
        (Outcome.CLOSED, 0, 0),  # a hit-and-run that is not a crime always carries points
        (Outcome.CLOSED, 9, 0),
        (Outcome.CRIMINAL, 12, 1),  # a crime carries none
    ],
)
def test_other_points_are_refused_naming_163(outcome: Outcome, points: int, dead: int) -> None:
    c = open_case(what=incident(dead=dead))
    for step in (request(), acknowledge(YU), apprehend(YU), handover, solve):
        step(c, T0 + H)
    c.collect_events()
    with pytest.raises(RuleViolation, match=r"163号令|道路交通安全法") as caught:
        c.determine(outcome, points, actor=CHUAN_INV, at=LATER)
    assert caught.value.code == "determination.points_invalid"
    assert c.pending_events == []


def test_every_new_history_replays_to_the_same_case() -> None:
    c = open_case(what=incident(suspect_vehicle=vehicle(plate=Plate.parse(PLATE))))
    for at, step in enumerate(
        (
            request([YU, GUI], ACK_HOURS),
            interim_request,
            interim,
            amend(plate=Plate.parse(OTHER_PLATE)),
            suspend,
            reopen,
            apprehend(SC, OTHER_PLATE),
            solve,
        ),
        start=1,
    ):
        step(c, T0 + at * H)
    events = c.collect_events()
    assert state(replay(events)) == state(c)


def test_a_determination_stored_before_the_legal_basis_was_reads_back_and_publishes_it_as_null() -> None:
    """Stored determinations keep reading: `legal_basis` has a default, the envelope says null."""
    c = in_status(S.CLOSED)
    determined = c.collect_events()[-2]
    assert type(determined).__name__ == "ResponsibilityDetermined"
    old = object.__new__(type(determined))
    object.__setattr__(old, "__dict__", {k: v for k, v in vars(determined).items() if k != "legal_basis"})
    assert old.legal_basis is None
    read = stored_and_read(old)
    assert read.legal_basis is None  # type: ignore[attr-defined]
    envelope = envelope_from_event("HitAndRunCase", read, EVENT_SCHEMAS)
    assert envelope.data["legal_basis"] is None and envelope.data["points"] == 12
    fresh = envelope_from_event("HitAndRunCase", determined, EVENT_SCHEMAS)
    assert fresh.data["legal_basis"] == BASIS_SERIOUS
