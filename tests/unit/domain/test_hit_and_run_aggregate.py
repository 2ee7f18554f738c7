"""HitAndRunCase (交通肇事逃逸协查): the flow, the refusals, who may act, targets added later, and the
per-target clocks (DOMAIN.md §3, §Time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.unit.domain.hit_and_run_builders import (
    ACK_HOURS,
    CASE_ID,
    CHUAN_INV,
    CHUAN_POLICE,
    DETERMINATION_RUNS,
    GUI,
    GUI_INV,
    HU,
    HU_INV,
    ID_NUMBER,
    OCCURRED,
    PATHS,
    PLATE,
    POLICY,
    SC,
    SHAAN,
    SHAAN_INV,
    SUSPECT,
    T0,
    TARGETS,
    TERMINAL,
    WATCHER,
    YU,
    YU_INV,
    YU_POLICE,
    YUN,
    YUN_INV,
    ack,
    acknowledge,
    amend,
    apprehend,
    clue,
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
from xborder.domain.actors import Actor
from xborder.domain.calendar import CST
from xborder.domain.cases import Deadline
from xborder.domain.errors import (
    CaseNotFound,
    DomainError,
    InvalidValue,
    NotPermitted,
    RuleViolation,
    TransitionNotAllowed,
)
from xborder.domain.id_numbers import IdNumber
from xborder.domain.plates import Plate
from xborder.workflows.hit_and_run.aggregate import HitAndRunCase, HitAndRunStatus, Outcome, Suspect

S = HitAndRunStatus
H = timedelta(hours=1)
LATER = T0 + timedelta(days=1)
INVOLVED = sorted([SC, *TARGETS])  # 渝 500000, 川 510000, 贵 520000, 云 530000


# ===================================================================== the flow
@pytest.mark.parametrize(
    ("outcome", "points", "final_type", "final_status"),
    [
        (Outcome.CLOSED, 12, "CaseClosed", S.CLOSED),
        (Outcome.CLOSED, None, "CaseClosed", S.CLOSED),  # 163号令 Art 8 (2) decides: 12
        (Outcome.CRIMINAL, 0, "TransferredToCriminal", S.TRANSFERRED_TO_CRIMINAL),
    ],
)
def test_the_flow_from_opening_to_determination(
    outcome: Outcome, points: int | None, final_type: str, final_status: S
) -> None:
    c = open_case()
    assert c.id == CASE_ID
    assert (c.status, c.version) == (S.OPEN, 1)
    assert isinstance(c.status, HitAndRunStatus)
    assert c.roles == {SC: "incident"}
    assert (c.incident, c.targets, c.acknowledged, c.deadlines) == (SC, [], set(), {})
    assert (c.suspect_plate, c.apprehended_by, c.withdrawn) == (None, None, False)
    assert c.is_open

    all_events: list[Any] = []

    def step(at: datetime, command: Callable[[HitAndRunCase, datetime], None]) -> list[Any]:
        command(c, at)
        events = c.collect_events()
        assert all(e.at == at for e in events)
        all_events.extend(events)
        assert [e.originator_version for e in all_events] == list(range(1, len(all_events) + 1))
        return events

    (opened,) = step(T0, lambda c, at: None)  # opening was the command: just collect its event
    assert type(opened).__name__ == "CaseOpened"
    assert (opened.at, opened.actor) == (T0, CHUAN_INV.as_dict())
    assert (opened.provinces, opened.joined, opened.opens, opened.closes) == ([SC], [], {}, [])
    assert (opened.incident, opened.occurred_at, opened.rescue_id) == (SC, OCCURRED, None)
    assert opened.place == {"road": "G85 渝昆高速", "km": 1712.5, "lat": 29.35, "lon": 105.12}
    assert opened.casualties == {"dead": 1, "injured": 2}
    assert opened.suspect_vehicle == {
        "plate": None,
        "plate_partial": "川A*23*5",
        "color": "白色",
        "model": "大众朗逸",
        "features": "右前大灯破损",
    }
    assert opened.direction == "向重庆方向逃逸"

    # --- the 协查通报 to 渝贵云, 12 hours to acknowledge (given in any order, kept sorted)
    t1 = T0 + H  # Fri 16:00
    (requested,) = step(
        t1, lambda c, at: c.request_assistance([YUN, YU, GUI], 12, actor=CHUAN_INV, at=at, policy=POLICY)
    )
    assert type(requested).__name__ == "AssistanceRequested"
    assert (c.status, c.version) == (S.ASSISTANCE_REQUESTED, 2)
    assert c.roles == {SC: "incident", YU: "target", GUI: "target", YUN: "target"}
    assert (requested.targets, requested.ack_within_hours) == (TARGETS, 12)
    assert requested.joined == TARGETS
    assert requested.provinces == INVOLVED
    # Hours, not working days: 16:00 Friday + 12 h = 04:00 Saturday, weekend or not.
    ack_due = datetime(2026, 11, 21, 4, 0, tzinfo=CST)
    assert ack_due == t1 + timedelta(hours=12)
    assert requested.opens == {ack(YU): ack_due, ack(GUI): ack_due, ack(YUN): ack_due}
    assert requested.closes == []
    assert c.deadlines == {ack(code): Deadline(ack(code), ack_due) for code in TARGETS}

    # --- acknowledgements: each stops its own clock only
    (acked,) = step(T0 + 2 * H, acknowledge(YU))
    assert type(acked).__name__ == "AssistanceAcknowledged"
    assert (acked.target, acked.actor, acked.closes, acked.opens) == (YU, YU_INV.as_dict(), [ack(YU)], {})
    assert acked.joined == []
    assert c.deadlines == {ack(code): Deadline(ack(code), ack_due) for code in (GUI, YUN)}
    assert c.acknowledged == {YU}
    (acked,) = step(T0 + 2 * H + timedelta(minutes=30), acknowledge(GUI))
    assert (acked.target, acked.closes) == (GUI, [ack(GUI)])
    assert c.deadlines == {ack(YUN): Deadline(ack(YUN), ack_due)}
    assert c.acknowledged == {YU, GUI}

    # --- clues: a hit with its details (trimmed), a miss without
    (hit,) = step(T0 + 3 * H, clue(YU, True, "  綦江收费站卡口抓拍到疑似车辆 "))
    assert type(hit).__name__ == "ClueReported"
    assert (hit.target, hit.hit, hit.details) == (YU, True, "綦江收费站卡口抓拍到疑似车辆")
    (miss,) = step(T0 + 3 * H + timedelta(minutes=30), clue(GUI))
    assert (miss.target, miss.hit, miss.details) == (GUI, False, "")
    assert (miss.opens, miss.closes) == ({}, [])
    assert c.status == S.ASSISTANCE_REQUESTED

    # --- the suspect turned north: 陕 is added, with the zone's default window (24 hours)
    t_shaan = T0 + 4 * H  # Fri 19:00
    (added,) = step(t_shaan, request([SHAAN], None))
    assert (added.targets, added.joined, added.ack_within_hours) == ([SHAAN], [SHAAN], 24)
    assert added.opens == {ack(SHAAN): datetime(2026, 11, 21, 19, 0, tzinfo=CST)}
    assert added.provinces == sorted([*INVOLVED, SHAAN])
    assert c.deadlines == {
        ack(YUN): Deadline(ack(YUN), ack_due),
        ack(SHAAN): Deadline(ack(SHAAN), datetime(2026, 11, 21, 19, 0, tzinfo=CST)),
    }

    # --- 渝 catches the suspect on Friday evening: the determination clock starts
    t_caught = T0 + 7 * H  # Fri 2026-11-20 22:00
    (caught,) = step(t_caught, apprehend(YU))
    assert type(caught).__name__ == "SuspectApprehended"
    assert (caught.target, caught.plate, caught.vehicle_seized) == (YU, PLATE, True)
    assert caught.suspect == {"name": "王五", "id_number": ID_NUMBER}
    # 10 working days, the capture day not counted: Sat 11-21 / Sun 11-22 off; Mon 11-23 .. Fri 11-27
    # are days 1-5; Sat 11-28 / Sun 11-29 off; Mon 11-30 .. Fri 12-04 are days 6-10
    # -> due Fri 2026-12-04 23:59:59 CST.
    determination_due = eod(2026, 12, 4)
    assert caught.opens == {"determination": determination_due}
    assert (c.status, c.suspect_plate, c.apprehended_by) == (S.SUSPECT_APPREHENDED, PLATE, YU)
    assert c.deadlines["determination"] == Deadline("determination", determination_due)
    assert set(c.deadlines) == {ack(YUN), ack(SHAAN), "determination"}

    # --- 川 takes custody, then marks the case solved
    (handed,) = step(datetime(2026, 11, 21, 10, 0, tzinfo=CST), handover)
    assert type(handed).__name__ == "HandoverCompleted"
    assert (handed.actor, c.status) == (CHUAN_INV.as_dict(), S.HANDED_OVER)

    (solved,) = step(datetime(2026, 11, 21, 11, 0, tzinfo=CST), solve)
    assert type(solved).__name__ == "CaseSolved"
    # 按原范围撤销: exactly the provinces the request went to, 陕 included, in the order asked.
    assert solved.withdrawn_from == [YU, GUI, YUN, SHAAN]
    assert solved.closes == [ack(YUN), ack(SHAAN)]
    assert (c.status, c.withdrawn) == (S.SOLVED, True)
    assert c.deadlines == {"determination": Deadline("determination", determination_due)}
    assert not any(name.startswith("assistance_ack:") for name in c.deadlines)

    # --- responsibility determined (Mon 11-23, well within the clock) -> closed or criminal
    t_det = datetime(2026, 11, 23, 10, 0, tzinfo=CST)
    determined, final = step(t_det, lambda c, at: c.determine(outcome, points, actor=CHUAN_INV, at=at))
    assert type(determined).__name__ == "ResponsibilityDetermined"
    assessed = 0 if outcome is Outcome.CRIMINAL else 12
    assert (determined.outcome, determined.points) == (outcome.value, assessed)
    assert determined.legal_basis and (
        "第八条第二项" in determined.legal_basis or outcome is Outcome.CRIMINAL
    )
    assert determined.closes == ["determination"]
    assert type(final).__name__ == final_type
    assert final.at == t_det
    assert (c.status, c.deadlines) == (final_status, {})
    assert c.is_terminal
    assert not c.is_open

    assert types_of(all_events) == [
        "CaseOpened",
        "AssistanceRequested",
        "AssistanceAcknowledged",
        "AssistanceAcknowledged",
        "ClueReported",
        "ClueReported",
        "AssistanceRequested",
        "SuspectApprehended",
        "HandoverCompleted",
        "CaseSolved",
        "ResponsibilityDetermined",
        final_type,
    ]
    assert [e.actor["province"] for e in all_events] == [SC, SC, YU, GUI, YU, GUI, SC, YU, SC, SC, SC, SC]
    assert all(e.provinces == sorted([*INVOLVED, SHAAN]) for e in all_events[6:])
    assert state(replay(all_events)) == state(c)


def test_a_known_plate_and_a_rescue_link_are_recorded() -> None:
    c = HitAndRunCase.open(
        incident(suspect_vehicle=vehicle(plate=Plate.parse(PLATE), plate_partial=None)),
        actor=CHUAN_INV,
        at=T0,
        rescue_id="rescue-42",
    )
    (opened,) = c.collect_events()
    assert opened.suspect_vehicle["plate"] == PLATE
    assert opened.rescue_id == "rescue-42"
    assert c.suspect_plate == PLATE


@pytest.mark.parametrize(
    "described",
    [
        vehicle(plate=None, plate_partial=None, model="", color="白色", features=""),
        vehicle(plate=None, plate_partial=None, model="大众朗逸", color="", features=""),
        vehicle(plate=None, plate_partial="川A*23*5", model="", color="", features=""),
        vehicle(plate=Plate.parse(PLATE), plate_partial=None, model="", color="", features=""),
    ],
    ids=["colour_only", "model_only", "partial_plate_only", "plate_only"],
)
def test_any_one_description_of_the_vehicle_is_enough(described: Any) -> None:
    c = open_case(what=incident(suspect_vehicle=described))
    assert c.status == S.OPEN


# ================================================================ refused misuse
@dataclass(frozen=True)
class Misuse:
    status: HitAndRunStatus | None  # None: nothing to build (the case is being opened)
    command: Callable[[Any], object]
    error: type[DomainError]
    code: str


def _ack_by(actor: Actor) -> Callable[[HitAndRunCase], None]:
    return lambda c: c.acknowledge(actor=actor, at=LATER)


def _request(
    targets: list[str], hours: int | None = ACK_HOURS, actor: Actor = CHUAN_INV
) -> Callable[[HitAndRunCase], None]:
    return lambda c: c.request_assistance(targets, hours, actor=actor, at=LATER, policy=POLICY)


def _apprehend_by(actor: Actor, suspect: Suspect = SUSPECT) -> Callable[[HitAndRunCase], None]:
    return lambda c: c.apprehend(Plate.parse(PLATE), suspect, True, actor=actor, at=LATER, policy=POLICY)


def _determine(points: int, outcome: Outcome = Outcome.CLOSED) -> Callable[[HitAndRunCase], None]:
    return lambda c: c.determine(outcome, points, actor=CHUAN_INV, at=LATER)


def _open(**changes: Any) -> Callable[[None], HitAndRunCase]:
    actor = changes.pop("actor", CHUAN_INV)
    at = changes.pop("at", T0)
    return lambda _: HitAndRunCase.open(incident(**changes), actor=actor, at=at)


NOT_ALLOWED = "transition.not_allowed"
FORBIDDEN = "auth.forbidden"
NOT_FOUND = "case.not_found"

MISUSES: dict[str, Misuse] = {
    # --- acknowledgements
    "ack_by_uninvolved_province": Misuse(S.ASSISTANCE_REQUESTED, _ack_by(HU_INV), CaseNotFound, NOT_FOUND),
    "ack_by_not_yet_targeted_shaan": Misuse(
        S.ASSISTANCE_REQUESTED, _ack_by(SHAAN_INV), CaseNotFound, NOT_FOUND
    ),
    "ack_by_the_incident_province": Misuse(
        S.ASSISTANCE_REQUESTED, _ack_by(CHUAN_INV), NotPermitted, FORBIDDEN
    ),
    "ack_by_target_traffic_police": Misuse(
        S.ASSISTANCE_REQUESTED, _ack_by(YU_POLICE), NotPermitted, FORBIDDEN
    ),
    "ack_twice": Misuse(S.SUSPECT_APPREHENDED, _ack_by(YU_INV), TransitionNotAllowed, NOT_ALLOWED),
    "ack_after_the_request_is_withdrawn": Misuse(
        S.SOLVED, _ack_by(YUN_INV), TransitionNotAllowed, NOT_ALLOWED
    ),
    "ack_on_a_closed_case": Misuse(S.CLOSED, _ack_by(YUN_INV), TransitionNotAllowed, NOT_ALLOWED),
    # --- clues
    "clue_before_acknowledging": Misuse(
        S.ASSISTANCE_REQUESTED, lambda c: clue(GUI)(c, LATER), TransitionNotAllowed, NOT_ALLOWED
    ),
    "hit_without_details": Misuse(
        S.SUSPECT_APPREHENDED,
        lambda c: clue(YU, True, "  ")(c, LATER),
        RuleViolation,
        "clue.details_required",
    ),
    "clue_by_uninvolved_province": Misuse(
        S.SUSPECT_APPREHENDED, lambda c: clue(HU)(c, LATER), CaseNotFound, NOT_FOUND
    ),
    "clue_by_the_incident_province": Misuse(
        S.SUSPECT_APPREHENDED, lambda c: clue(SC)(c, LATER), NotPermitted, FORBIDDEN
    ),
    "clue_after_the_request_is_withdrawn": Misuse(
        S.SOLVED, lambda c: clue(YU)(c, LATER), TransitionNotAllowed, NOT_ALLOWED
    ),
    # --- apprehension
    "apprehension_before_any_request": Misuse(S.OPEN, _apprehend_by(YU_INV), CaseNotFound, NOT_FOUND),
    "apprehension_by_the_incident_province_after_handover": Misuse(
        S.HANDED_OVER, _apprehend_by(CHUAN_INV), TransitionNotAllowed, NOT_ALLOWED
    ),
    "apprehension_by_uninvolved_province": Misuse(
        S.ASSISTANCE_REQUESTED, _apprehend_by(HU_INV), CaseNotFound, NOT_FOUND
    ),
    "apprehension_twice": Misuse(
        S.SUSPECT_APPREHENDED, _apprehend_by(GUI_INV), TransitionNotAllowed, NOT_ALLOWED
    ),
    "apprehension_of_a_nameless_suspect": Misuse(
        S.ASSISTANCE_REQUESTED,
        _apprehend_by(YU_INV, Suspect(" ", IdNumber.parse(ID_NUMBER))),
        RuleViolation,
        "field.missing",
    ),
    # --- handover, solving, determination
    "handover_before_apprehension": Misuse(
        S.ASSISTANCE_REQUESTED, lambda c: handover(c, LATER), TransitionNotAllowed, NOT_ALLOWED
    ),
    "handover_by_the_apprehending_target": Misuse(
        S.SUSPECT_APPREHENDED, lambda c: c.take_handover(actor=YU_INV, at=LATER), NotPermitted, FORBIDDEN
    ),
    "solving_before_handover": Misuse(
        S.SUSPECT_APPREHENDED, lambda c: solve(c, LATER), TransitionNotAllowed, NOT_ALLOWED
    ),
    "solving_an_uncaught_case": Misuse(
        S.ASSISTANCE_REQUESTED, lambda c: solve(c, LATER), TransitionNotAllowed, NOT_ALLOWED
    ),
    "solving_twice": Misuse(S.SOLVED, lambda c: solve(c, LATER), TransitionNotAllowed, NOT_ALLOWED),
    "solving_by_a_target": Misuse(
        S.HANDED_OVER, lambda c: c.solve(actor=YU_INV, at=LATER), NotPermitted, FORBIDDEN
    ),
    "determining_before_solving": Misuse(S.HANDED_OVER, _determine(12), TransitionNotAllowed, NOT_ALLOWED),
    "determining_twice": Misuse(S.CLOSED, _determine(12), TransitionNotAllowed, NOT_ALLOWED),
    **{
        f"determination_points_{points}": Misuse(
            S.SOLVED, _determine(points), RuleViolation, "determination.points_invalid"
        )
        # 163号令 Art 8 (2), Art 10 (7): 12, or 6 for a minor injury only — and 6 not when someone died
        for points in (-1, 0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 13)
    },
    "determination_points_invalid_for_criminal_too": Misuse(
        S.SOLVED, _determine(2, Outcome.CRIMINAL), RuleViolation, "determination.points_invalid"
    ),
    "determination_points_for_a_crime": Misuse(
        S.SOLVED, _determine(12, Outcome.CRIMINAL), RuleViolation, "determination.points_invalid"
    ),
    # --- assistance requests
    "request_to_the_incident_province_itself": Misuse(
        S.OPEN, _request([YU, SC]), RuleViolation, "assistance.target_invalid"
    ),
    "request_repeating_a_target": Misuse(
        S.ASSISTANCE_REQUESTED, _request([SHAAN, GUI]), RuleViolation, "assistance.target_repeated"
    ),
    "request_to_an_unknown_code": Misuse(S.OPEN, _request([YU, "999999"]), InvalidValue, "province.invalid"),
    "request_to_a_prefecture_code": Misuse(S.OPEN, _request(["510100"]), InvalidValue, "province.invalid"),
    "request_to_nobody": Misuse(S.OPEN, _request([]), RuleViolation, "assistance.targets_required"),
    **{
        f"ack_window_{hours}_hours": Misuse(
            S.OPEN, _request([YU], hours), RuleViolation, "assistance.ack_window_invalid"
        )
        for hours in (-1, 0, 25, 48)
    },
    "request_by_traffic_police": Misuse(S.OPEN, _request([YU], actor=CHUAN_POLICE), NotPermitted, FORBIDDEN),
    "request_by_a_target": Misuse(
        S.ASSISTANCE_REQUESTED, _request([SHAAN], actor=YU_INV), NotPermitted, FORBIDDEN
    ),
    "request_by_uninvolved_province": Misuse(S.OPEN, _request([YU], actor=HU_INV), CaseNotFound, NOT_FOUND),
    "request_after_handover": Misuse(S.HANDED_OVER, _request([SHAAN]), TransitionNotAllowed, NOT_ALLOWED),
    "request_after_solving": Misuse(S.SOLVED, _request([SHAAN]), TransitionNotAllowed, NOT_ALLOWED),
    "request_on_a_closed_case": Misuse(
        S.TRANSFERRED_TO_CRIMINAL, _request([SHAAN]), TransitionNotAllowed, NOT_ALLOWED
    ),
    # --- interim determinations
    "interim_after_apprehension": Misuse(
        S.SUSPECT_APPREHENDED, lambda c: interim(c, LATER), TransitionNotAllowed, NOT_ALLOWED
    ),
    "interim_after_solving": Misuse(S.SOLVED, lambda c: interim(c, LATER), TransitionNotAllowed, NOT_ALLOWED),
    "interim_without_summary": Misuse(
        S.OPEN,
        lambda c: c.issue_interim_determination("  ", actor=CHUAN_INV, at=LATER),
        RuleViolation,
        "field.missing",
    ),
    "interim_by_a_target": Misuse(
        S.ASSISTANCE_REQUESTED,
        lambda c: c.issue_interim_determination("事实", actor=YU_INV, at=LATER),
        NotPermitted,
        FORBIDDEN,
    ),
    # --- opening
    "open_by_traffic_police": Misuse(None, _open(actor=CHUAN_POLICE), NotPermitted, FORBIDDEN),
    "open_without_any_description_of_the_vehicle": Misuse(
        None,
        _open(suspect_vehicle=vehicle(plate=None, plate_partial=None, color="", model="", features="有刮痕")),
        RuleViolation,
        "suspect_vehicle.undescribed",
    ),
    "open_with_an_empty_partial_plate_only": Misuse(
        None,
        _open(suspect_vehicle=vehicle(plate=None, plate_partial="", color="", model="")),
        RuleViolation,
        "suspect_vehicle.undescribed",
    ),
    "open_with_the_accident_in_the_future": Misuse(
        None, _open(occurred_at=T0 + timedelta(minutes=1)), RuleViolation, "incident.occurred_in_future"
    ),
    "open_with_a_naive_accident_time": Misuse(
        None, _open(occurred_at=OCCURRED.replace(tzinfo=None)), RuleViolation, "incident.occurred_in_future"
    ),
    "open_with_negative_casualties": Misuse(None, _open(injured=-1), RuleViolation, "casualties.invalid"),
}


@pytest.mark.parametrize("name", list(MISUSES))
def test_misuse_is_refused_and_records_nothing(name: str) -> None:
    misuse = MISUSES[name]
    if misuse.status is None:
        with pytest.raises(misuse.error) as caught:
            misuse.command(None)
        assert type(caught.value) is misuse.error
        assert caught.value.code == misuse.code
        return
    c = in_status(misuse.status)
    events = c.collect_events()
    before = state(c)
    with pytest.raises(misuse.error) as caught:
        misuse.command(c)
    assert type(caught.value) is misuse.error
    assert caught.value.code == misuse.code
    assert c.pending_events == []
    assert c.version == len(events)
    assert state(c) == before


def test_a_closed_case_is_invisible_to_an_uninvolved_province() -> None:
    c = in_status(S.CLOSED)
    c.collect_events()
    with pytest.raises(CaseNotFound):
        c.acknowledge(actor=HU_INV, at=LATER)
    with pytest.raises(CaseNotFound):
        c.report_clue(False, "", actor=HU_INV, at=LATER)
    assert c.pending_events == []


# ===================================================== commands by status (the table)
Command = Callable[[HitAndRunCase, datetime], None]

# Each command by its right actor; the statuses it goes through from. 云 never acknowledges on the
# builders' paths and 渝 acknowledges before it catches the suspect.
COMMANDS: dict[str, tuple[Command, frozenset[S], list[str]]] = {
    "request_assistance": (
        request([SHAAN]),
        frozenset({S.OPEN, S.ASSISTANCE_REQUESTED, S.SUSPECT_APPREHENDED}),
        ["AssistanceRequested"],
    ),
    "acknowledge": (
        acknowledge(YUN),
        # until the request is withdrawn (a late acknowledgement still stops the clock)
        frozenset({S.ASSISTANCE_REQUESTED, S.SUSPECT_APPREHENDED, S.HANDED_OVER}),
        ["AssistanceAcknowledged"],
    ),
    "apprehend": (apprehend(GUI), frozenset({S.ASSISTANCE_REQUESTED}), ["SuspectApprehended"]),
    "apprehend_by_the_incident_province": (
        apprehend(SC),
        frozenset({S.OPEN, S.ASSISTANCE_REQUESTED}),
        ["SuspectApprehended"],
    ),
    "amend_suspect_vehicle": (
        amend(plate=Plate.parse("川A54321")),
        frozenset({S.OPEN, S.ASSISTANCE_REQUESTED, S.SUSPENDED}),
        ["SuspectVehicleAmended"],
    ),
    "suspend": (suspend, frozenset({S.OPEN, S.ASSISTANCE_REQUESTED}), ["CaseSuspended"]),
    "reopen": (reopen, frozenset({S.SUSPENDED}), ["CaseReopened"]),
    "request_interim_determination": (
        interim_request,
        frozenset({S.OPEN, S.ASSISTANCE_REQUESTED}),
        ["InterimDeterminationRequested"],
    ),
    "take_handover": (handover, frozenset({S.SUSPECT_APPREHENDED}), ["HandoverCompleted"]),
    "solve": (solve, frozenset({S.HANDED_OVER}), ["CaseSolved"]),
    "determine": (
        lambda c, at: c.determine(Outcome.CLOSED, 12, actor=CHUAN_INV, at=at),
        frozenset({S.SOLVED}),
        ["ResponsibilityDetermined", "CaseClosed"],
    ),
    "interim": (
        interim,
        frozenset({S.OPEN, S.ASSISTANCE_REQUESTED, S.SUSPENDED}),
        ["InterimDeterminationIssued"],
    ),
}
# A target's commands on an OPEN case fail with CaseNotFound (it is not involved yet): listed above.
TARGET_COMMANDS = {"acknowledge", "apprehend"}
CELLS = [
    (name, status, status in ok)
    for name, (_, ok, _types) in COMMANDS.items()
    for status in S
    if not (name in TARGET_COMMANDS and status == S.OPEN)
]


@pytest.mark.parametrize(
    ("command", "status", "allowed"), CELLS, ids=[f"{c}-{s}-{'ok' if a else 'refused'}" for c, s, a in CELLS]
)
def test_command_by_status(command: str, status: S, allowed: bool) -> None:
    c = in_status(status)
    events = c.collect_events()
    before = state(c)
    call, _, recorded = COMMANDS[command]
    if allowed:
        call(c, LATER)
        assert types_of(c.collect_events()) == recorded
        assert c.version == len(events) + len(recorded)
        return
    with pytest.raises(TransitionNotAllowed) as caught:
        call(c, LATER)
    assert caught.value.code == NOT_ALLOWED
    assert c.pending_events == []
    assert state(c) == before


def test_every_status_refuses_something_and_allows_something_unless_terminal() -> None:
    assert {s for _, s, allowed in CELLS if not allowed} == set(S)
    assert {s for _, s, allowed in CELLS if allowed} == set(S) - set(TERMINAL)


@pytest.mark.parametrize("status", [S.OPEN, S.ASSISTANCE_REQUESTED])
def test_interim_determination_for_an_unsolved_case(status: S) -> None:
    c = in_status(status)
    c.collect_events()
    c.issue_interim_determination("  已查明肇事车辆为白色大众朗逸 ", actor=CHUAN_INV, at=LATER)
    (event,) = c.collect_events()
    assert event.summary == "已查明肇事车辆为白色大众朗逸"
    assert (event.opens, event.closes, event.joined) == ({}, [], [])
    assert c.status == status  # an interim determination decides nothing


# ======================================================== the acknowledgement window
@pytest.mark.parametrize("hours", [1, 6, 24])
def test_ack_window_within_the_zone_terms(hours: int) -> None:
    c = open_case()
    request([YU, GUI], hours)(c, LATER)
    (event,) = c.collect_events()[1:]
    assert event.ack_within_hours == hours
    assert event.opens == {ack(YU): LATER + timedelta(hours=hours), ack(GUI): LATER + timedelta(hours=hours)}


def test_default_ack_window_is_the_zones_24_hours() -> None:
    c = open_case()
    # Sat 2026-11-21 15:00: hours run through weekends and holidays alike.
    request([YU], None)(c, LATER)
    (event,) = c.collect_events()[1:]
    assert event.ack_within_hours == 24
    assert event.opens == {ack(YU): datetime(2026, 11, 22, 15, 0, tzinfo=CST)}
    assert c.deadlines == {ack(YU): Deadline(ack(YU), datetime(2026, 11, 22, 15, 0, tzinfo=CST))}


def test_duplicates_within_one_request_count_once() -> None:
    c = open_case()
    request([GUI, YU, GUI], 12)(c, LATER)
    (event,) = c.collect_events()[1:]
    assert event.targets == event.joined == [YU, GUI]
    assert c.targets == [YU, GUI]


# ==================================================================== later targets
def test_a_target_added_later_joins_alone_and_earlier_clocks_keep_running() -> None:
    c = in_status(S.ASSISTANCE_REQUESTED)  # requested to 渝贵云 at T0+1h, 12 hours
    acknowledge(YU)(c, T0 + 2 * H)
    c.collect_events()
    earlier = dict(c.deadlines)
    assert set(earlier) == {ack(GUI), ack(YUN)}

    at = T0 + 5 * H
    request([SHAAN], 6)(c, at)
    (added,) = c.collect_events()
    assert added.joined == [SHAAN]
    assert added.targets == [SHAAN]
    assert added.provinces == sorted([*INVOLVED, SHAAN])
    assert added.opens == {ack(SHAAN): at + timedelta(hours=6)}
    assert added.closes == []
    assert c.deadlines == {**earlier, ack(SHAAN): Deadline(ack(SHAAN), at + timedelta(hours=6))}
    assert c.roles[SHAAN] == "target"
    assert c.targets == [*TARGETS, SHAAN]
    assert c.acknowledged == {YU}
    assert c.status == S.ASSISTANCE_REQUESTED

    # Two more at once: both join, nobody else does.
    c2 = in_status(S.ASSISTANCE_REQUESTED)
    c2.collect_events()
    request([SHAAN, HU], 6)(c2, at)
    (event,) = c2.collect_events()
    assert event.joined == event.targets == [HU, SHAAN]


def test_a_target_added_after_the_capture_leaves_the_case_captured() -> None:
    """Adding a target after the apprehension sends it the request; the case stays captured, with
    its determination clock, and the incident province can still take custody."""
    c = in_status(S.SUSPECT_APPREHENDED)
    c.collect_events()
    determination = c.deadlines["determination"]
    request([SHAAN], 6)(c, LATER)
    (added,) = c.collect_events()
    assert added.joined == [SHAAN]
    assert c.status == S.SUSPECT_APPREHENDED
    assert c.deadlines["determination"] == determination
    assert ack(SHAAN) in c.deadlines
    with pytest.raises(TransitionNotAllowed):
        apprehend(GUI)(c, LATER + H)  # no second capture
    with pytest.raises(TransitionNotAllowed):
        interim(c, LATER + H)  # no interim determination once caught
    assert c.pending_events == []
    handover(c, LATER + H)
    solve(c, LATER + 2 * H)
    (_, solved) = c.collect_events()
    assert solved.withdrawn_from == [*TARGETS, SHAAN]
    assert set(c.deadlines) == {"determination"}


# ===================================================================== mark_overdue
def test_one_targets_acknowledgement_overdue_leaves_the_others_alone() -> None:
    c = in_status(S.ASSISTANCE_REQUESTED)  # requested at T0+1h with 12 hours to acknowledge
    acknowledge(YU)(c, T0 + 2 * H)
    c.collect_events()
    version = c.version
    due = T0 + H + timedelta(hours=ACK_HOURS)
    assert c.deadlines[ack(GUI)].due == due
    for at in (T0 + 2 * H, due - timedelta(seconds=1), due):
        assert c.mark_overdue(ack(GUI), at, WATCHER) is False
    assert c.pending_events == []

    late = due + timedelta(seconds=1)
    assert c.mark_overdue(ack(GUI), late, WATCHER) is True
    (event,) = c.collect_events()
    assert type(event).__name__ == "AcknowledgementOverdue"
    assert isinstance(event, HitAndRunCase.AcknowledgementOverdue)
    assert (event.deadline, event.at, event.actor) == (ack(GUI), late, WATCHER.as_dict())
    assert (event.opens, event.closes, event.joined, event.provinces) == ({}, [], [], INVOLVED)
    assert c.deadlines == {
        ack(GUI): Deadline(ack(GUI), due, overdue=True),
        ack(YUN): Deadline(ack(YUN), due, overdue=False),
    }
    assert (c.status, c.version) == (S.ASSISTANCE_REQUESTED, version + 1)

    # Idempotent; an acknowledged target's clock is gone; an unknown target has no clock.
    assert c.mark_overdue(ack(GUI), late + timedelta(days=3), WATCHER) is False
    assert c.mark_overdue(ack(YU), late, WATCHER) is False
    assert c.mark_overdue(ack(SHAAN), late, WATCHER) is False
    assert c.mark_overdue(ack(HU), late, WATCHER) is False
    assert c.pending_events == []

    # 云's clock is separate: it goes overdue on its own.
    assert c.mark_overdue(ack(YUN), late, WATCHER) is True
    (event,) = c.collect_events()
    assert event.deadline == ack(YUN)

    # A late acknowledgement still comes, and stops that target's clock.
    acknowledge(GUI)(c, late + H)
    (acked,) = c.collect_events()
    assert acked.closes == [ack(GUI)]
    assert c.deadlines == {ack(YUN): Deadline(ack(YUN), due, overdue=True)}


@pytest.mark.parametrize("status", DETERMINATION_RUNS)
def test_determination_overdue(status: S) -> None:
    c = in_status(status)
    c.collect_events()
    due = c.deadlines["determination"].due
    # Caught Fri 2026-11-20 18:00 (T0 + 3h): due 10 working days later, Fri 12-04 (see the flow).
    assert due == eod(2026, 12, 4)
    assert c.mark_overdue("determination", due, WATCHER) is False
    assert c.mark_overdue("determination", due + timedelta(seconds=1), WATCHER) is True
    (event,) = c.collect_events()
    assert type(event).__name__ == "DeterminationOverdue"
    assert isinstance(event, HitAndRunCase.DeterminationOverdue)
    assert event.deadline == "determination"
    assert c.deadlines["determination"].overdue is True
    assert all(not d.overdue for name, d in c.deadlines.items() if name != "determination")
    assert c.status == status
    assert c.mark_overdue("determination", due + timedelta(days=1), WATCHER) is False
    assert c.pending_events == []

    # The determination still comes, late, and closes the clock.
    at = due + timedelta(days=2)
    if status == S.SUSPECT_APPREHENDED:
        handover(c, at)
    if status != S.SOLVED:
        solve(c, at)
    c.determine(Outcome.CLOSED, 12, actor=CHUAN_INV, at=at)
    assert (c.status, c.deadlines) == (S.CLOSED, {})


@pytest.mark.parametrize("status", TERMINAL)
@pytest.mark.parametrize("name", ["determination", ack(YU), ack(YUN), "bogus"])
def test_no_overdue_on_a_closed_case(status: S, name: str) -> None:
    c = in_status(status)
    c.collect_events()
    version = c.version
    assert c.mark_overdue(name, T0 + timedelta(days=400), WATCHER) is False
    assert c.pending_events == []
    assert (c.version, c.status) == (version, status)


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (S.OPEN, ack(YU)),
        (S.OPEN, "determination"),
        (S.ASSISTANCE_REQUESTED, "determination"),
        (S.SUSPECT_APPREHENDED, ack(YU)),  # acknowledged
        (S.SOLVED, ack(YUN)),  # withdrawn
        (S.HANDED_OVER, "bogus"),
    ],
)
def test_no_overdue_of_a_clock_not_running(status: S, name: str) -> None:
    c = in_status(status)
    c.collect_events()
    assert c.mark_overdue(name, T0 + timedelta(days=400), WATCHER) is False
    assert c.pending_events == []


# =========================================================================== replay
@pytest.mark.parametrize("status", list(PATHS))
def test_replay_reproduces_every_status(status: S) -> None:
    c = in_status(status)
    events = c.collect_events()
    assert len(events) == c.version
    assert state(replay(events)) == state(c)
