"""The 协查 read model, folded from envelopes as Kafka delivers them, agrees with the aggregate after
every single event — status, version, clocks, each target's state and who must act next; the vehicle
holds a case takes and releases; and what each caller may see of the suspect and of the clues."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest

from tests.support.workflows import holds_of
from tests.unit.domain.hit_and_run_builders import (
    ACK_HOURS,
    CASE_ID,
    CHUAN_INV,
    CHUAN_POLICE,
    GUI,
    GUI_INV,
    ID_NUMBER,
    PLATE,
    SC,
    SHAAN,
    SHAAN_INV,
    T0,
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
    determine,
    handover,
    incident,
    interim,
    interim_request,
    reopen,
    request,
    solve,
    suspend,
    vehicle,
)
from tests.unit.projections import wire
from xborder.api.presenters import present
from xborder.domain.actors import Actor
from xborder.domain.plates import Plate
from xborder.infra.contracts import Envelope, envelopes_for, event_id_for
from xborder.projections.casedoc import Doc, apply_common, new_doc
from xborder.projections.holds import HoldChange
from xborder.workflows.hit_and_run.aggregate import BASIS_SERIOUS, HitAndRunCase, HitAndRunStatus, Outcome
from xborder.workflows.hit_and_run.contract import EVENT_SCHEMAS
from xborder.workflows.hit_and_run.masking import mask_hit_and_run
from xborder.workflows.hit_and_run.projector import project_hit_and_run

over_the_wire = partial(wire.over_the_wire, "HitAndRunCase")
fold = partial(wire.fold, "HitAndRunCase")

S = HitAndRunStatus
Step = Callable[[HitAndRunCase, datetime], None]
INVESTIGATOR = "investigator"
H = timedelta(hours=1)
D = timedelta(days=1)
HIT = "綦江收费站卡口抓拍到疑似车辆"
SECOND_PLATE = "川A54321"
NEXT_STEP = {
    S.SUSPECT_APPREHENDED: "take_handover",
    S.HANDED_OVER: "mark_solved",
    S.SOLVED: "determine_responsibility",
}


def overdue(name: str) -> Step:
    def step(c: HitAndRunCase, at: datetime) -> None:
        assert c.mark_overdue(name, at, WATCHER), f"{name} was not overdue at {at}"

    step.__name__ = f"overdue_{name}"
    return step


@dataclass(frozen=True)
class Path:
    steps: Sequence[tuple[timedelta, Step]]
    final: S
    plate: str | None = None  # the suspect plate known at opening (else only part of it)
    types: Sequence[str] = field(default_factory=tuple)


# Each path: (time after T0, step). Opened Fri 2026-11-20 15:00 CST.
PATHS: dict[str, Path] = {
    # 渝贵云 asked at 16:00 (12 h: due Sat 04:00); 云 never acknowledges and goes overdue at 05:00;
    # 陕 is added at 19:00; 渝 catches the suspect at 22:00 (determination due Fri 12-04).
    "closed": Path(
        [
            (1 * H, request()),
            (2 * H, acknowledge(YU)),
            (2 * H + 30 * timedelta(minutes=1), acknowledge(GUI)),
            (3 * H, clue(YU, True, HIT)),
            (3 * H + 30 * timedelta(minutes=1), clue(GUI)),
            (4 * H, request([SHAAN], None)),
            (7 * H, apprehend(YU)),
            (14 * H, overdue(ack(YUN))),
            (19 * H, handover),
            (20 * H, solve),
            (3 * D, determine(Outcome.CLOSED, 12)),
        ],
        S.CLOSED,
        types=[
            "CaseOpened",
            "AssistanceRequested",
            "AssistanceAcknowledged",
            "AssistanceAcknowledged",
            "ClueReported",
            "ClueReported",
            "AssistanceRequested",
            "SuspectApprehended",
            "AcknowledgementOverdue",
            "HandoverCompleted",
            "CaseSolved",
            "ResponsibilityDetermined",
            "CaseClosed",
        ],
    ),
    # The plate was known from the start; the suspect is caught driving another car; the
    # determination comes late (due Fri 12-04 23:59:59, overdue Sat 12-05 15:00).
    "criminal_known_plate": Path(
        [
            (1 * H, request([YU])),
            (2 * H, acknowledge(YU)),
            (3 * H, apprehend(YU, "渝B12345")),
            (1 * D, handover),
            (2 * D, solve),
            (15 * D, overdue("determination")),
            (16 * D, determine(Outcome.CRIMINAL, 0)),
        ],
        S.TRANSFERRED_TO_CRIMINAL,
        plate=PLATE,
        types=[
            "CaseOpened",
            "AssistanceRequested",
            "AssistanceAcknowledged",
            "SuspectApprehended",
            "HandoverCompleted",
            "CaseSolved",
            "DeterminationOverdue",
            "ResponsibilityDetermined",
            "TransferredToCriminal",
        ],
    ),
    # Unsolved: interim determinations for the victim; 渝 (6 h from 17:00: due 23:00) goes overdue.
    "unsolved_with_interim_determinations": Path(
        [
            (1 * H, interim),
            (2 * H, request([YU, GUI], 6)),
            (3 * H, acknowledge(GUI)),
            (4 * H, clue(GUI)),
            (9 * H, overdue(ack(YU))),
            (10 * H, interim),
        ],
        S.ASSISTANCE_REQUESTED,
        types=[
            "CaseOpened",
            "InterimDeterminationIssued",
            "AssistanceRequested",
            "AssistanceAcknowledged",
            "ClueReported",
            "AcknowledgementOverdue",
            "InterimDeterminationIssued",
        ],
    ),
    # Issue 12: the plate named at opening was wrong (amended to 川A54321, its hold moved), the victim
    # asks for an interim determination (Fri 11-20 18:00: due Fri 12-04, issued late), the second plate
    # is released too, the case is suspended (every clock stops) and reopened (渝's clock anew, 6 h),
    # and 川 itself catches the suspect — in its custody at once, no handover.
    "amended_suspended_reopened_caught_at_home": Path(
        [
            (1 * H, request([YU, GUI], 6)),
            (2 * H, acknowledge(GUI)),
            (3 * H, interim_request),
            (4 * H, amend(plate=Plate.parse(SECOND_PLATE), plate_partial=None)),
            (15 * D, overdue("interim_determination")),
            (15 * D + 1 * H, interim),
            (15 * D + 2 * H, amend(reason="第二个号牌亦系误认")),
            (15 * D + 3 * H, suspend),
            (20 * D, reopen),
            (20 * D + 1 * H, apprehend(SC, PLATE)),
            (20 * D + 2 * H, solve),
            (21 * D, determine(Outcome.CLOSED, None)),
        ],
        S.CLOSED,
        plate=PLATE,
        types=[
            "CaseOpened",
            "AssistanceRequested",
            "AssistanceAcknowledged",
            "InterimDeterminationRequested",
            "SuspectVehicleAmended",
            "InterimDeterminationOverdue",
            "InterimDeterminationIssued",
            "SuspectVehicleAmended",
            "CaseSuspended",
            "CaseReopened",
            "SuspectApprehended",
            "CaseSolved",
            "ResponsibilityDetermined",
            "CaseClosed",
        ],
    ),
    # 陕 is asked after the capture: the case stays captured, 陕 still owes its acknowledgement.
    "target_added_after_capture": Path(
        [
            (1 * H, request([YU])),
            (2 * H, acknowledge(YU)),
            (3 * H, apprehend(YU)),
            (4 * H, request([SHAAN], 6)),
            (5 * H, handover),
            (6 * H, solve),
            (1 * D, determine(Outcome.CLOSED, 12)),
        ],
        S.CLOSED,
        types=[
            "CaseOpened",
            "AssistanceRequested",
            "AssistanceAcknowledged",
            "SuspectApprehended",
            "AssistanceRequested",
            "HandoverCompleted",
            "CaseSolved",
            "ResponsibilityDetermined",
            "CaseClosed",
        ],
    ),
}


def events_of(path: str) -> list[Any]:
    """Drive a case along `path`, returning every event it recorded, in order."""
    p = PATHS[path]
    described = vehicle(plate=Plate.parse(p.plate), plate_partial=None) if p.plate else vehicle()
    c = HitAndRunCase.open(incident(suspect_vehicle=described), actor=CHUAN_INV, at=T0, case_id=CASE_ID)
    for offset, step in p.steps:
        step(c, T0 + offset)
    assert c.status == p.final
    events = list(c.collect_events())
    assert [type(e).__name__ for e in events] == list(p.types)
    return events


def deadlines_of_doc(doc: Doc) -> dict[str, tuple[datetime, bool]]:
    return {name: (datetime.fromisoformat(d["due"]), d["overdue"]) for name, d in doc["deadlines"].items()}


def deadlines_of(c: HitAndRunCase) -> dict[str, tuple[datetime, bool]]:
    return {name: (d.due, d.overdue) for name, d in c.deadlines.items()}


def awaited(action: str, province: str, deadline: str) -> dict[str, Any]:
    return {"province": province, "role": INVESTIGATOR, "action": action, "deadline": deadline}


def expected_awaiting(c: HitAndRunCase) -> list[dict[str, Any]]:
    """Who must act next, from the aggregate's own state at that version: every target that has not
    acknowledged a request still standing, each against its own clock; then the incident province."""
    items = [
        awaited("acknowledge_assistance", code, ack(code))
        for code in sorted(c.targets)
        if code not in c.acknowledged and not c.withdrawn and c.status != S.SUSPENDED
    ]
    if c.interim_requested:  # 146号令 Art 66: the victim's request, against its own clock
        items.append(awaited("issue_interim_determination", SC, "interim_determination"))
    if c.status in NEXT_STEP:
        items.append(awaited(NEXT_STEP[c.status], SC, "determination"))
    return items


def expected_targets(events: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Each target's state, read straight from the events (not through the projector)."""
    targets: dict[str, dict[str, Any]] = {}
    for e in events:
        kind, at = type(e).__name__, e.at.isoformat()
        if kind == "AssistanceRequested":
            for code in e.targets:
                targets[code] = {
                    "requested_at": at,
                    "ack_within_hours": e.ack_within_hours,
                    "acknowledged_at": None,
                    "clues": [],
                    "withdrawn_at": None,
                }
        elif kind == "AssistanceAcknowledged":
            targets[e.target]["acknowledged_at"] = at
        elif kind == "ClueReported":
            targets[e.target]["clues"].append({"hit": e.hit, "details": e.details, "at": at})
        elif kind == "CaseSolved":
            for code in e.withdrawn_from:
                targets[code]["withdrawn_at"] = at
    return targets


@pytest.mark.parametrize("path", list(PATHS))
def test_projection_agrees_with_the_aggregate_after_every_event(path: str) -> None:
    events = events_of(path)
    envelopes = [over_the_wire(e) for e in events]

    doc: Doc | None = None
    agg: Any = None
    for n, (event, envelope) in enumerate(zip(events, envelopes, strict=True), start=1):
        agg = event.mutate(agg)  # the aggregate as of this version
        if doc is None:
            doc = new_doc("hit_and_run", envelope)
        apply_common(doc, envelope)
        project_hit_and_run(doc, envelope)
        doc = json.loads(json.dumps(doc))  # the store keeps the document as JSON
        assert doc is not None
        after = f"after {envelope.type} (v{n})"

        assert envelope.version == event.originator_version == n
        assert envelope.event_id == event_id_for(agg.id, n)
        assert (doc["id"], doc["kind"], doc["version"]) == (str(CASE_ID), "hit_and_run", n)
        assert doc["status"] == agg.status, after
        assert deadlines_of_doc(doc) == deadlines_of(agg), after
        assert doc["provinces"] == agg.roles, after
        assert doc["incident"] == SC
        assert doc["plate"] == agg.suspect_plate, after
        assert doc["targets"] == expected_targets(events[:n]), after
        assert set(doc["targets"]) == set(agg.targets)
        for code, target in doc["targets"].items():
            assert (target["acknowledged_at"] is not None) is (code in agg.acknowledged), after
            assert (target["withdrawn_at"] is not None) is agg.withdrawn, after
        if agg.apprehended_by is None:
            assert doc["apprehension"] is None
        else:
            assert doc["apprehension"]["target"] == agg.apprehended_by
            assert doc["apprehension"]["plate"] == agg.suspect_plate
        assert doc["updated_at"] == event.at.isoformat()
        assert doc["created_at"] == events[0].at.isoformat()
        assert [h["version"] for h in doc["history"]] == list(range(1, n + 1))
        assert [h["type"] for h in doc["history"]] == [type(e).__name__ for e in events[:n]]
        assert [h["province"] for h in doc["history"]] == [e.actor["province"] for e in events[:n]]

        assert doc["awaiting"] == expected_awaiting(agg), after
        # The determination and the closing are one command (recorded together): in between, the
        # clock is already stopped while the status still says solved.
        if envelope.type != "ResponsibilityDetermined":
            for item in doc["awaiting"]:
                assert item["deadline"] in doc["deadlines"], after
        if agg.is_terminal:
            assert (doc["awaiting"], doc["deadlines"]) == ([], {})

    assert doc is not None
    assert doc["status"] == PATHS[path].final
    assert doc["version"] == len(events)


@pytest.mark.parametrize(
    ("path", "upto", "expected"),
    [
        (
            "closed",
            "AssistanceRequested",
            [("acknowledge_assistance", code, ack(code)) for code in (YU, GUI, YUN)],
        ),
        ("closed", "ClueReported", [("acknowledge_assistance", YUN, ack(YUN))]),
        (
            "closed",
            "SuspectApprehended",
            [
                ("acknowledge_assistance", YUN, ack(YUN)),
                ("acknowledge_assistance", SHAAN, ack(SHAAN)),
                ("take_handover", SC, "determination"),
            ],
        ),
        ("closed", "CaseSolved", [("determine_responsibility", SC, "determination")]),
        ("closed", "CaseClosed", []),
        ("criminal_known_plate", "HandoverCompleted", [("mark_solved", SC, "determination")]),
        ("criminal_known_plate", "DeterminationOverdue", [("determine_responsibility", SC, "determination")]),
        ("unsolved_with_interim_determinations", "InterimDeterminationIssued", []),
        (
            "target_added_after_capture",
            "AssistanceRequested",
            [("acknowledge_assistance", YU, ack(YU))],
        ),
    ],
)
def test_awaiting_spelled_out(path: str, upto: str, expected: list[tuple[str, str, str]]) -> None:
    events = events_of(path)
    n = [type(e).__name__ for e in events].index(upto) + 1
    assert fold(events[:n])["awaiting"] == [awaited(*item) for item in expected]


def test_a_target_added_after_the_capture_leaves_the_document_captured() -> None:
    events = events_of("target_added_after_capture")
    doc = fold(events[:5])  # ... apprehended by 渝, then 陕 asked
    assert doc["history"][-1]["type"] == "AssistanceRequested"
    assert doc["status"] == "suspect_apprehended"
    assert doc["awaiting"] == [
        awaited("acknowledge_assistance", SHAAN, ack(SHAAN)),
        awaited("take_handover", SC, "determination"),
    ]
    assert set(doc["deadlines"]) == {ack(SHAAN), "determination"}


def test_document_fields_of_the_closed_path() -> None:
    doc = fold(events_of("closed"))
    assert doc["occurred_at"] == "2026-11-20T13:40:00+08:00"
    assert doc["place"] == {"road": "G85 渝昆高速", "km": 1712.5, "lat": 29.35, "lon": 105.12}
    assert doc["casualties"] == {"dead": 1, "injured": 2}
    assert doc["suspect_vehicle"]["plate_partial"] == "川A*23*5"
    assert doc["direction"] == "向重庆方向逃逸"
    assert doc["rescue_id"] is None
    assert doc["targets"][YU]["ack_within_hours"] == ACK_HOURS
    assert doc["targets"][SHAAN]["ack_within_hours"] == 24
    assert doc["targets"][YU]["clues"] == [{"hit": True, "details": HIT, "at": (T0 + 3 * H).isoformat()}]
    assert doc["apprehension"] == {
        "target": YU,
        "plate": PLATE,
        "suspect": {"name": "王五", "id_number": ID_NUMBER},
        "vehicle_seized": True,
        "at": (T0 + 7 * H).isoformat(),
    }
    assert doc["handover_at"] == (T0 + 19 * H).isoformat()
    assert doc["solved"] == {"at": (T0 + 20 * H).isoformat(), "withdrawn_from": [YU, GUI, YUN, SHAAN]}
    assert doc["determination"] == {
        "outcome": "closed",
        "points": 12,
        "legal_basis": BASIS_SERIOUS,  # 163号令 Art 8 (2)
        "at": (T0 + 3 * D).isoformat(),
    }
    assert doc["interim_determinations"] == []


def test_overdue_flags_reach_the_document() -> None:
    events = events_of("closed")
    types = [type(e).__name__ for e in events]
    doc = fold(events[: types.index("AcknowledgementOverdue") + 1])
    assert doc["history"][-1]["province"] is None  # the deadline watcher acts for no province
    assert doc["deadlines"][ack(YUN)] == {"due": "2026-11-21T04:00:00+08:00", "overdue": True}
    assert doc["deadlines"][ack(SHAAN)] == {"due": "2026-11-21T19:00:00+08:00", "overdue": False}
    assert doc["deadlines"]["determination"] == {"due": "2026-12-04T23:59:59+08:00", "overdue": False}
    assert doc["status"] == "suspect_apprehended"

    events = events_of("criminal_known_plate")
    doc = fold(events[:7])
    assert doc["deadlines"] == {"determination": {"due": "2026-12-04T23:59:59+08:00", "overdue": True}}


def test_interim_determinations_are_listed() -> None:
    doc = fold(events_of("unsolved_with_interim_determinations"))
    summary = "已查明肇事车辆为白色大众朗逸"
    assert doc["interim_determinations"] == [
        {"summary": summary, "at": (T0 + H).isoformat()},
        {"summary": summary, "at": (T0 + 10 * H).isoformat()},
    ]
    assert doc["status"] == "assistance_requested"


# ========================================================================= holds
REASON = "suspect vehicle of an open hit-and-run case (交通肇事逃逸协查)"


def test_opening_with_a_full_plate_holds_it() -> None:
    opened = over_the_wire(events_of("criminal_known_plate")[0])
    assert opened.type == "CaseOpened"
    assert holds_of(opened) == [HoldChange(CASE_ID, 1, True, PLATE, "hit_and_run", SC, REASON)]


def test_opening_with_a_partial_plate_holds_nothing() -> None:
    opened = over_the_wire(events_of("closed")[0])
    assert opened.data["suspect_vehicle"]["plate"] is None
    assert holds_of(opened) == []


@pytest.mark.parametrize(
    ("path", "plate", "closing"),
    [
        ("closed", PLATE, "CaseClosed"),
        ("criminal_known_plate", "渝B12345", "TransferredToCriminal"),
        ("target_added_after_capture", PLATE, "CaseClosed"),
    ],
)
def test_apprehension_holds_the_caught_plate_and_the_end_releases_it(
    path: str, plate: str, closing: str
) -> None:
    for event in events_of(path):
        envelope = over_the_wire(event)
        changes = holds_of(envelope)
        if envelope.type == "SuspectApprehended":
            assert changes == [HoldChange(CASE_ID, envelope.version, True, plate, "hit_and_run", YU, REASON)]
        elif envelope.type == closing:
            assert changes == [HoldChange(CASE_ID, envelope.version, active=False)]
        elif envelope.type != "CaseOpened":
            assert changes == [], envelope.type


def test_amending_the_suspect_vehicle_moves_the_hold_then_lifts_it_and_the_home_capture_holds_again() -> None:
    """Issue 12: a wrongly named plate is released — its hold lifted, with the reason in the history
    every involved province keeps; a plate named instead is held; the incident province's own capture
    holds the caught plate in its name; a suspended case keeps holding."""
    changes = {}
    for event in events_of("amended_suspended_reopened_caught_at_home"):
        envelope = over_the_wire(event)
        changes[(envelope.type, envelope.version)] = holds_of(envelope)
    (moved,) = changes[("SuspectVehicleAmended", 5)]
    assert (moved.active, moved.plate, moved.province) == (True, SECOND_PLATE, SC)
    assert changes[("SuspectVehicleAmended", 8)] == [HoldChange(CASE_ID, 8, active=False)]
    assert changes[("CaseSuspended", 9)] == changes[("CaseReopened", 10)] == []
    assert changes[("SuspectApprehended", 11)] == [
        HoldChange(CASE_ID, 11, True, PLATE, "hit_and_run", SC, REASON)
    ]
    assert changes[("CaseClosed", 14)] == [HoldChange(CASE_ID, 14, active=False)]


def test_the_amendments_and_the_suspension_are_in_the_document_every_province_keeps() -> None:
    doc = fold(events_of("amended_suspended_reopened_caught_at_home"))
    first, second = doc["vehicle_amendments"]
    assert (first["released_plate"], first["reason"]) == (PLATE, "号牌系目击者误认")
    assert (second["released_plate"], second["reason"]) == (SECOND_PLATE, "第二个号牌亦系误认")
    assert doc["suspect_vehicle"]["plate"] is None and doc["plate"] == PLATE  # the caught one
    (suspension,) = doc["suspensions"]
    assert suspension["reason"] == "线索穷尽，暂无侦查方向"
    assert suspension["reopen_reason"] == "群众举报发现疑似车辆"
    assert [r["reference"] for r in doc["interim_requests"]] == ["川公交逃申〔2026〕17号"]
    assert doc["apprehension"]["target"] == SC and doc["handover_at"] == doc["apprehension"]["at"]
    assert doc["determination"]["points"] == 12 and doc["determination"]["legal_basis"] == BASIS_SERIOUS
    assert set(doc["provinces"]) == {SC, YU, GUI}


def catch_ups(events: Sequence[Any]) -> list[Envelope]:
    """The earlier events replayed to provinces that joined the case late."""
    return [
        envelope
        for event in events
        for envelope in envelopes_for("HitAndRunCase", event, lambda _id, lte: events[:lte], EVENT_SCHEMAS)
        if envelope.catch_up
    ]


def test_catch_up_envelopes_never_change_holds() -> None:
    """A late target's replay of the opening (with a plate) or of an apprehension is not a new hold:
    the original took it when it was recorded."""
    known = catch_ups(events_of("criminal_known_plate"))  # 渝 asked: the opening replayed to it
    late = catch_ups(events_of("target_added_after_capture"))  # ... and 陕 asked after the capture
    assert [e.type for e in known] == ["CaseOpened"]
    assert [e.type for e in late] == [
        "CaseOpened",
        "CaseOpened",
        "AssistanceRequested",
        "AssistanceAcknowledged",
        "SuspectApprehended",
    ]
    for envelope in (*known, *late):
        assert holds_of(envelope) == [], envelope.type
    # The same envelopes, unflagged, are holds: only the flag makes the difference.
    assert holds_of(known[0].model_copy(update={"catch_up": False})) == [
        HoldChange(CASE_ID, 1, True, PLATE, "hit_and_run", SC, REASON)
    ]
    assert holds_of(late[-1].model_copy(update={"catch_up": False})) == [
        HoldChange(CASE_ID, 4, True, PLATE, "hit_and_run", YU, REASON)
    ]


def test_hold_changes_ignore_other_workflows() -> None:
    opened = over_the_wire(events_of("criminal_known_plate")[0])
    assert holds_of(opened.model_copy(update={"aggregate_type": "VehicleTransfer"})) == []


# ==================================================================== presenting
def captured_doc() -> Doc:
    """The closed path up to the solution: 渝 caught the suspect, 渝 reported a hit, 贵 a miss, 陕 joined."""
    events = events_of("closed")
    return fold(events[: [type(e).__name__ for e in events].index("CaseSolved") + 1])


MASKED_ID = "1101**********002X"


@pytest.mark.parametrize(
    ("actor", "masked"),
    [
        (CHUAN_INV, False),  # the incident province's investigator
        (YU_INV, False),  # the apprehending province's investigator
        (GUI_INV, True),  # another target
        (SHAAN_INV, True),
        (CHUAN_POLICE, True),  # the incident province, but not an investigator
        (YU_POLICE, True),  # the apprehending province, but not an investigator
    ],
    ids=[
        "chuan_investigator",
        "yu_investigator",
        "gui_investigator",
        "shaan_investigator",
        "chuan_police",
        "yu_police",
    ],
)
def test_the_suspect_is_shown_only_to_the_investigators_who_need_it(actor: Actor, masked: bool) -> None:
    doc = captured_doc()
    original = json.loads(json.dumps(doc))
    shown = present(doc, actor, mask_hit_and_run)
    suspect = shown["apprehension"]["suspect"]
    if masked:
        assert suspect == {"name": "王*", "id_number": MASKED_ID}
    else:
        assert suspect == {"name": "王五", "id_number": ID_NUMBER}
    assert doc == original  # presenting never changes the stored document


@pytest.mark.parametrize(
    ("actor", "visible"),
    [
        (CHUAN_INV, {YU: [HIT], GUI: [""]}),  # the incident province sees every clue
        (CHUAN_POLICE, {YU: [HIT], GUI: [""]}),
        (YU_INV, {YU: [HIT], GUI: [None]}),  # a target sees its own clues only
        (GUI_INV, {YU: [None], GUI: [""]}),
        (SHAAN_INV, {YU: [None], GUI: [None]}),  # a target added later sees nobody else's
        (YUN_INV, {YU: [None], GUI: [None]}),
    ],
    ids=["chuan_investigator", "chuan_police", "yu", "gui", "shaan", "yun"],
)
def test_clue_details_are_for_the_incident_province_and_the_reporting_target(
    actor: Actor, visible: dict[str, list[str | None]]
) -> None:
    doc = captured_doc()
    shown = present(doc, actor, mask_hit_and_run)
    for code, details in visible.items():
        clues = shown["targets"][code]["clues"]
        assert [c["details"] for c in clues] == details, code
        # only the details are hidden: that a target reported, and whether it was a hit, is not
        assert [c["hit"] for c in clues] == [c["hit"] for c in doc["targets"][code]["clues"]]
    assert all(shown["targets"][code]["clues"] == [] for code in (YUN, SHAAN))


def test_presented_document_names_provinces_and_lists_clocks() -> None:
    shown = present(captured_doc(), CHUAN_INV, mask_hit_and_run)
    assert shown["provinces"] == [
        {"code": YU, "province_name": "重庆市", "role": "target"},
        {"code": SC, "province_name": "四川省", "role": "incident"},
        {"code": GUI, "province_name": "贵州省", "role": "target"},
        {"code": YUN, "province_name": "云南省", "role": "target"},
        {"code": SHAAN, "province_name": "陕西省", "role": "target"},
    ]
    assert shown["incident_province_name"] == "四川省"
    assert shown["deadlines"] == [
        {"name": "determination", "due": "2026-12-04T23:59:59+08:00", "overdue": False}
    ]
    assert "parties" not in shown


def test_nothing_to_mask_before_the_capture() -> None:
    events = events_of("closed")
    doc = fold(events[:5])  # opened, asked, two acknowledgements, 渝's hit
    assert doc["apprehension"] is None
    assert present(doc, GUI_INV, mask_hit_and_run)["apprehension"] is None
    assert present(doc, GUI_INV, mask_hit_and_run)["targets"][YU]["clues"][0]["details"] is None
    assert present(doc, YU_INV, mask_hit_and_run)["targets"][YU]["clues"][0]["details"] == HIT
