"""ViolationObjection (非现场违法异议与异地撤销): the flow, the refusals, who may act, and the clocks
(DOMAIN.md §2, §Time)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.unit.domain.objection_builders import (
    CASE_ID,
    CHUAN_ADMIN,
    CHUAN_POLICE,
    DRIVER,
    FINE,
    HU_POLICE,
    OCCURRED,
    OPEN,
    OTHER_DRIVER,
    POINTS,
    POLICY,
    RECORD,
    SC,
    SH,
    T0,
    TERMINAL,
    WATCHER,
    ZHE_POLICE,
    ZJ,
    dismiss,
    eliminate,
    file,
    filing,
    in_status,
    refund,
    replay,
    request,
    review,
    state,
    supply,
    uphold,
    violation,
)
from xborder.domain.actors import Actor, Role
from xborder.domain.calendar import CST
from xborder.domain.cases import Deadline
from xborder.domain.errors import (
    CaseNotFound,
    DomainError,
    NotPermitted,
    RuleViolation,
    TransitionNotAllowed,
)
from xborder.domain.money import Money
from xborder.domain.provinces import province_by_code
from xborder.workflows.objection.aggregate import Ground, ObjectionStatus, ViolationObjection

S = ObjectionStatus
Command = Callable[[ViolationObjection, datetime], None]
LATER = T0 + timedelta(days=1)


def types_of(events: Any) -> list[str]:
    return [type(e).__name__ for e in events]


def eod(year: int, month: int, day: int) -> datetime:
    """End of a day in CST: every day-based deadline runs out at 23:59:59."""
    return datetime(year, month, day, 23, 59, 59, tzinfo=CST)


# Filed Fri 2026-11-20 15:00: the first day is not counted; Sat 11-21 / Sun 11-22 are not working
# days; Mon 11-23 .. Fri 11-27 are days 1-5 -> due Fri 2026-11-27 23:59:59 CST.
REVIEW_DUE = eod(2026, 11, 27)


# ===================================================================== happy paths
@pytest.mark.parametrize(("points", "fine"), [(POINTS, FINE), (12, 2000), (0, 50)])
def test_happy_path_upheld_with_penalty_refunded_and_eliminated(points: int, fine: int) -> None:
    objection = filing(violation=violation(points=points, fine=Money(fine)))
    o = file(objection=objection)

    assert o.id == CASE_ID
    assert (o.status, o.version) == (S.FORWARDED, 2)
    assert isinstance(o.status, ObjectionStatus)
    assert o.roles == {SC: "handling", ZJ: "recording"}
    assert o.provinces == [ZJ, SC]
    assert o.parties == {"driver"}
    assert (o.handling, o.recording, o.plate) == (SC, ZJ, "川A12345")
    assert (o.fine, o.points, o.penalty_decided) == (fine, points, True)
    assert o.deadlines == {"objection_review": Deadline("objection_review", REVIEW_DUE)}
    assert o.is_open

    first = o.collect_events()
    assert types_of(first) == ["ObjectionFiled", "ObjectionForwarded"]
    assert [e.originator_version for e in first] == [1, 2]
    filed, forwarded = first
    assert filed.actor == DRIVER.as_dict()
    assert (filed.handling, filed.recording) == (SC, ZJ)
    assert filed.violation == {
        "record_number": RECORD,
        "plate": "川A12345",
        "occurred_at": OCCURRED,
        "place": "G60 沪昆高速 杭州段 K152",
        "code": "1352",
        "fine": fine,
        "points": points,
        "penalty_decided": True,
    }
    assert (filed.ground, filed.ground_detail, filed.police_report_number) == ("plate_misread", "", None)
    assert filed.party == {"name": "李四", "id_number": "11010519491231002X", "phone": "13800138000"}
    assert filed.evidence == ["photo:parking-receipt"]
    assert (filed.opens, filed.closes) == ({}, [])
    # Forwarded by the system the same moment, on behalf of the handling office; it starts the clock.
    assert forwarded.at == filed.at == T0
    assert (forwarded.actor["role"], forwarded.actor["province"]) == ("system", SC)
    assert forwarded.opens == {"objection_review": REVIEW_DUE}
    assert all(e.provinces == [ZJ, SC] for e in first)

    all_events = list(first)
    at = T0

    def step(command: Callable[[ViolationObjection, datetime], None]) -> list[Any]:
        nonlocal at
        at += timedelta(hours=2)
        command(o, at)
        events = o.collect_events()
        assert all(e.at == at for e in events)
        all_events.extend(events)
        assert [e.originator_version for e in all_events] == list(range(1, len(all_events) + 1))
        return events

    assert types_of(step(review)) == ["ReviewStarted"]
    assert (o.status, o.version) == (S.UNDER_REVIEW, 3)
    assert set(o.deadlines) == {"objection_review"}

    (requested,) = step(request)
    assert type(requested).__name__ == "EvidenceRequested"
    assert requested.request == "请调取当日停车场出入记录"
    assert (o.status, o.version) == (S.EVIDENCE_REQUESTED, 4)
    # 157号令 sets no pause: the review clock runs on while evidence is collected.
    assert o.deadlines == {"objection_review": Deadline("objection_review", REVIEW_DUE)}

    (supplied,) = step(supply)
    assert type(supplied).__name__ == "EvidenceSupplied"
    assert (supplied.evidence, supplied.note) == (["doc:parking-log-0828"], "停车场记录显示车辆当时在成都")
    assert supplied.actor == CHUAN_POLICE.as_dict()
    assert (o.status, o.version) == (S.UNDER_REVIEW, 5)

    upheld, revoked = step(uphold)
    assert types_of([upheld, revoked]) == ["ObjectionUpheld", "PenaltyRevoked"]
    assert upheld.reason == "号牌识别错误"
    assert upheld.closes == ["objection_review"]
    # Upheld Fri 11-20 23:00 (T0 + 8h): Mon 11-23, Tue 11-24, Wed 11-25 -> due Wed 11-25.
    assert upheld.opens == {"record_elimination": eod(2026, 11, 25)}
    assert (revoked.points_reversed, revoked.fine_to_refund) == (points, fine)
    assert revoked.actor == ZHE_POLICE.as_dict()
    assert (o.status, o.version) == (S.UPHELD, 7)
    assert o.penalty_revoked is True
    assert o.deadlines == {"record_elimination": Deadline("record_elimination", eod(2026, 11, 25))}
    assert not o.is_open

    (refunded,) = step(lambda o, at: o.complete_refund(Money(fine), actor=ZHE_POLICE, at=at))
    assert type(refunded).__name__ == "RefundCompleted"
    assert refunded.amount == fine
    assert (o.status, o.version, o.refunded) == (S.REFUNDED, 8, fine)
    # The record is not yet eliminated: its clock still runs after the refund.
    assert set(o.deadlines) == {"record_elimination"}

    (eliminated,) = step(eliminate)
    assert type(eliminated).__name__ == "RecordEliminated"
    assert eliminated.closes == ["record_elimination"]
    assert (o.status, o.version) == (S.REFUNDED, 9)
    assert o.record_eliminated is True
    assert o.deadlines == {}

    assert types_of(all_events) == [
        "ObjectionFiled",
        "ObjectionForwarded",
        "ReviewStarted",
        "EvidenceRequested",
        "EvidenceSupplied",
        "ObjectionUpheld",
        "PenaltyRevoked",
        "RefundCompleted",
        "RecordEliminated",
    ]
    assert all(e.provinces == [ZJ, SC] for e in all_events)
    assert [e.actor["province"] for e in all_events] == [SC, SC, ZJ, ZJ, SC, ZJ, ZJ, ZJ, ZJ]
    assert state(replay(all_events)) == state(o)


def test_upheld_without_a_decided_penalty_revokes_nothing_and_refuses_a_refund() -> None:
    o = in_status(S.UNDER_REVIEW, penalty_decided=False)
    o.collect_events()
    uphold(o, LATER)
    (upheld,) = o.collect_events()
    assert type(upheld).__name__ == "ObjectionUpheld"
    assert (o.status, o.penalty_revoked) == (S.UPHELD, False)
    assert set(o.deadlines) == {"record_elimination"}

    before = state(o)
    with pytest.raises(TransitionNotAllowed) as caught:
        o.complete_refund(Money(FINE), actor=ZHE_POLICE, at=LATER + timedelta(hours=1))
    assert caught.value.code == "transition.not_allowed"
    assert o.pending_events == []
    assert state(o) == before

    eliminate(o, LATER + timedelta(hours=2))
    (eliminated,) = o.collect_events()
    assert type(eliminated).__name__ == "RecordEliminated"
    assert (o.status, o.deadlines, o.refunded) == (S.UPHELD, {}, None)


def test_dismissed() -> None:
    o = in_status(S.UNDER_REVIEW)
    o.collect_events()
    dismiss(o, LATER)
    (event,) = o.collect_events()
    assert type(event).__name__ == "ObjectionDismissed"
    assert event.reason == "照片清晰，号牌无误"
    assert (event.opens, event.closes) == ({}, ["objection_review"])
    assert (o.status, o.version, o.deadlines) == (S.DISMISSED, 4, {})
    assert o.is_terminal
    assert not o.is_open
    assert (o.penalty_revoked, o.record_eliminated, o.refunded) == (False, False, None)


def test_decision_straight_from_an_evidence_request() -> None:
    """The recording province need not wait for the evidence it asked for."""
    o = in_status(S.EVIDENCE_REQUESTED)
    o.collect_events()
    dismiss(o, LATER)
    assert (o.status, o.deadlines) == (S.DISMISSED, {})


def test_several_rounds_of_evidence() -> None:
    o = in_status(S.EVIDENCE_REQUESTED)
    supply(o, LATER)
    request(o, LATER + timedelta(hours=1))
    o.supply_evidence([], " 无更多材料 ", actor=CHUAN_POLICE, at=LATER + timedelta(hours=2))
    assert types_of(o.collect_events()[-3:]) == ["EvidenceSupplied", "EvidenceRequested", "EvidenceSupplied"]
    assert o.status == S.UNDER_REVIEW


@pytest.mark.parametrize("status", OPEN)
@pytest.mark.parametrize("actor", [DRIVER, CHUAN_POLICE], ids=["party", "handling_police"])
def test_withdrawn_from_each_open_status(status: S, actor: Actor) -> None:
    o = in_status(status)
    o.collect_events()
    version = o.version
    o.withdraw("  已自行缴纳罚款 ", actor=actor, at=LATER)
    (event,) = o.collect_events()
    assert type(event).__name__ == "ObjectionWithdrawn"
    assert event.reason == "已自行缴纳罚款"
    assert event.actor == actor.as_dict()
    assert event.closes == ["objection_review"]
    assert (o.status, o.version, o.deadlines) == (S.WITHDRAWN, version + 1, {})
    assert o.is_terminal


@pytest.mark.parametrize("status", list(ObjectionStatus))
def test_replay_rebuilds_every_status(status: S) -> None:
    o = in_status(status)
    events = o.collect_events()
    assert len(events) == o.version
    assert state(replay(events)) == state(o)


@pytest.mark.parametrize("status", list(ObjectionStatus))
def test_is_open_exactly_before_a_decision(status: S) -> None:
    o = in_status(status)
    assert o.is_open is (status in {S.FORWARDED, S.UNDER_REVIEW, S.EVIDENCE_REQUESTED})
    assert o.is_terminal is (status in {S.DISMISSED, S.WITHDRAWN})


# ============================================================ grounds at filing
NO_REPORT = "objection.police_report_required"
NO_DETAIL = "objection.ground_detail_required"
GROUND_CASES: list[tuple[str, Ground, str, str | None, str | None]] = [
    ("stolen_no_report", Ground.STOLEN_OR_CLONED, "", None, NO_REPORT),
    ("stolen_empty_report", Ground.STOLEN_OR_CLONED, "", "", NO_REPORT),
    ("stolen_blank_report", Ground.STOLEN_OR_CLONED, "套牌", "  ", NO_REPORT),
    ("stolen_with_report", Ground.STOLEN_OR_CLONED, "", "JB5101002026110100", None),
    ("other_no_detail", Ground.OTHER, "", None, NO_DETAIL),
    ("other_blank_detail", Ground.OTHER, "   ", "JB1", NO_DETAIL),
    ("other_with_detail", Ground.OTHER, "车辆当时在修理厂", None, None),
    *(
        (f"{g.value}_bare", g, "", None, None)
        for g in Ground
        if g not in (Ground.STOLEN_OR_CLONED, Ground.OTHER)
    ),
]
FIELD_OF = {NO_REPORT: "police_report_number", NO_DETAIL: "ground_detail"}


def test_ground_table_covers_every_ground() -> None:
    assert {case[1] for case in GROUND_CASES} == set(Ground)


@pytest.mark.parametrize(
    ("ground", "detail", "report", "code"),
    [case[1:] for case in GROUND_CASES],
    ids=[case[0] for case in GROUND_CASES],
)
def test_ground_requirements(ground: Ground, detail: str, report: str | None, code: str | None) -> None:
    objection = filing(ground=ground, ground_detail=detail, police_report_number=report)
    if code is None:
        o = file(objection=objection)
        filed = o.collect_events()[0]
        assert filed.ground == ground.value
        assert filed.ground_detail == detail.strip()
        assert filed.police_report_number == ((report or "").strip() or None)
        assert o.status == S.FORWARDED
        return
    with pytest.raises(RuleViolation) as caught:
        file(objection=objection)
    assert (caught.value.code, caught.value.field) == (code, FIELD_OF[code])


def test_report_number_and_detail_are_stripped() -> None:
    o = file(
        objection=filing(
            ground=Ground.STOLEN_OR_CLONED, ground_detail=" 套牌车 ", police_report_number=" JB-1 "
        )
    )
    filed = o.collect_events()[0]
    assert (filed.ground_detail, filed.police_report_number) == ("套牌车", "JB-1")


# ======================================================= other refusals at filing
@pytest.mark.parametrize(
    ("actor", "recording"),
    [(DRIVER, SC), (CHUAN_POLICE, SC), (ZHE_POLICE, ZJ)],
    ids=["party_at_recording", "police_at_recording_sc", "police_at_recording_zj"],
)
def test_filing_in_the_recording_province_refused(actor: Actor, recording: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        file(actor=actor, objection=filing(recording=province_by_code(recording)))
    assert (caught.value.code, caught.value.field) == ("objection.same_province", "recording_province")


@pytest.mark.parametrize(
    "occurred_at",
    [T0 + timedelta(seconds=1), T0 + timedelta(days=30), datetime(2026, 8, 28, 8, 30)],
    ids=["a_second_later", "a_month_later", "naive"],
)
def test_violation_after_the_objection_refused(occurred_at: datetime) -> None:
    with pytest.raises(RuleViolation) as caught:
        file(objection=filing(violation=violation(occurred_at=occurred_at)))
    assert (caught.value.code, caught.value.field) == (
        "violation.occurred_in_future",
        "violation.occurred_at",
    )


def test_violation_at_the_very_moment_of_filing_accepted() -> None:
    o = file(objection=filing(violation=violation(occurred_at=T0)))
    assert o.status == S.FORWARDED


@pytest.mark.parametrize("points", [-1, 2, 4, 5, 7, 8, 10, 11, 13, 24])
def test_invalid_points_refused(points: int) -> None:
    with pytest.raises(RuleViolation) as caught:
        file(objection=filing(violation=violation(points=points)))
    assert (caught.value.code, caught.value.field) == ("violation.points_invalid", "violation.points")


@pytest.mark.parametrize("points", [0, 1, 3, 6, 9, 12])
def test_valid_points_accepted(points: int) -> None:
    o = file(objection=filing(violation=violation(points=points)))
    assert o.points == points


@pytest.mark.parametrize("record_number", ["", "   "])
def test_missing_record_number_refused(record_number: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        file(objection=filing(violation=violation(record_number=record_number)))
    assert (caught.value.code, caught.value.field) == ("field.missing", "violation.record_number")


@pytest.mark.parametrize(
    "role",
    [
        Role.VEHICLE_ADMIN,
        Role.INVESTIGATOR,
        Role.DISPATCHER,
        Role.MEDICAL,
        Role.INSURER,
        Role.FUND,
        Role.SYSTEM,
    ],
)
def test_filing_by_a_wrong_role_refused(role: Role) -> None:
    with pytest.raises(NotPermitted) as caught:
        file(actor=Actor("someone", SC, role))
    assert caught.value.code == "auth.forbidden"


def test_handling_police_may_file_for_the_party() -> None:
    o = file(actor=CHUAN_POLICE)
    assert (o.status, o.roles) == (S.FORWARDED, {SC: "handling", ZJ: "recording"})
    # No owner account filed: no owner sees the case, the handling office acts for the party.
    assert o.parties == set()
    o.collect_events()
    with pytest.raises(CaseNotFound):
        o.withdraw("", actor=DRIVER, at=LATER)
    assert o.pending_events == []
    o.withdraw("", actor=CHUAN_POLICE, at=LATER)
    assert o.status == S.WITHDRAWN


def test_filing_elsewhere_makes_that_province_the_handling_one() -> None:
    """Handling is where the party files, not the plate's province: a 川 car objected to at 沪."""
    o = file(actor=Actor("driver", SH, Role.OWNER))
    assert o.roles == {SH: "handling", ZJ: "recording"}
    # 沪 and 浙 are both 长三角 members; with no zone override the national 5 working days apply.
    assert o.deadlines["objection_review"].due == REVIEW_DUE


# ============================================================ refused transitions
def _review(o: ViolationObjection, at: datetime) -> None:
    o.start_review(actor=ZHE_POLICE, at=at)


def _request(o: ViolationObjection, at: datetime) -> None:
    o.request_evidence("补充现场照片", actor=ZHE_POLICE, at=at)


def _supply(o: ViolationObjection, at: datetime) -> None:
    o.supply_evidence(["doc:1"], "", actor=CHUAN_POLICE, at=at)


def _uphold(o: ViolationObjection, at: datetime) -> None:
    o.decide(True, "成立", actor=ZHE_POLICE, at=at, policy=POLICY)


def _dismiss(o: ViolationObjection, at: datetime) -> None:
    o.decide(False, "不成立", actor=ZHE_POLICE, at=at, policy=POLICY)


def _eliminate(o: ViolationObjection, at: datetime) -> None:
    o.eliminate_record(actor=ZHE_POLICE, at=at)


def _refund(o: ViolationObjection, at: datetime) -> None:
    o.complete_refund(Money(FINE), actor=ZHE_POLICE, at=at)


def _withdraw_party(o: ViolationObjection, at: datetime) -> None:
    o.withdraw("", actor=DRIVER, at=at)


def _withdraw_handling(o: ViolationObjection, at: datetime) -> None:
    o.withdraw("当事人到窗口申请撤回", actor=CHUAN_POLICE, at=at)


# command -> (call by an actor allowed to do it, the statuses it is allowed from, events it records)
COMMANDS: dict[str, tuple[Command, frozenset[S], list[str]]] = {
    "start_review": (_review, frozenset({S.FORWARDED}), ["ReviewStarted"]),
    "request_evidence": (_request, frozenset({S.UNDER_REVIEW}), ["EvidenceRequested"]),
    "supply_evidence": (_supply, frozenset({S.EVIDENCE_REQUESTED}), ["EvidenceSupplied"]),
    "uphold": (
        _uphold,
        frozenset({S.UNDER_REVIEW, S.EVIDENCE_REQUESTED}),
        ["ObjectionUpheld", "PenaltyRevoked"],
    ),
    "dismiss": (_dismiss, frozenset({S.UNDER_REVIEW, S.EVIDENCE_REQUESTED}), ["ObjectionDismissed"]),
    "eliminate_record": (_eliminate, frozenset({S.UPHELD, S.REFUNDED}), ["RecordEliminated"]),
    "complete_refund": (_refund, frozenset({S.UPHELD}), ["RefundCompleted"]),
    "withdraw_party": (_withdraw_party, frozenset(OPEN), ["ObjectionWithdrawn"]),
    "withdraw_handling": (_withdraw_handling, frozenset(OPEN), ["ObjectionWithdrawn"]),
}
REFUSED = [(name, status) for name, (_, ok, _e) in COMMANDS.items() for status in S if status not in ok]
ALLOWED = [(name, status) for name, (_, ok, _e) in COMMANDS.items() for status in S if status in ok]


@pytest.mark.parametrize(("command", "status"), REFUSED, ids=[f"{c}-{s}" for c, s in REFUSED])
def test_transition_refused(command: str, status: S) -> None:
    o = in_status(status)
    events = o.collect_events()
    before = state(o)
    with pytest.raises(TransitionNotAllowed) as caught:
        COMMANDS[command][0](o, LATER)
    assert caught.value.code == "transition.not_allowed"
    assert o.pending_events == []
    assert o.version == len(events)
    assert state(o) == before


@pytest.mark.parametrize(("command", "status"), ALLOWED, ids=[f"{c}-{s}" for c, s in ALLOWED])
def test_transition_allowed(command: str, status: S) -> None:
    """The counterpart of the table above: the same call succeeds where it is allowed."""
    o = in_status(status)
    version = o.version
    o.collect_events()
    call, _, recorded = COMMANDS[command]
    call(o, LATER)
    assert types_of(o.collect_events()) == recorded
    assert o.version == version + len(recorded)


def test_every_status_refuses_something_and_table_covers_statuses() -> None:
    assert {s for _, s in REFUSED} == set(S)
    assert len(REFUSED) + len(ALLOWED) == len(COMMANDS) * len(S)


@pytest.mark.parametrize("status", [S.UPHELD, S.REFUNDED])
def test_record_eliminated_only_once(status: S) -> None:
    o = in_status(status)
    eliminate(o, LATER)
    o.collect_events()
    before = state(o)
    with pytest.raises(TransitionNotAllowed):
        eliminate(o, LATER + timedelta(hours=1))
    assert o.pending_events == []
    assert state(o) == before


def test_refund_after_elimination_still_allowed_and_only_once() -> None:
    o = in_status(S.UPHELD)
    eliminate(o, LATER)
    refund(o, LATER + timedelta(hours=1))
    assert (o.status, o.record_eliminated, o.refunded) == (S.REFUNDED, True, FINE)
    o.collect_events()
    with pytest.raises(TransitionNotAllowed):
        refund(o, LATER + timedelta(hours=2))
    assert o.pending_events == []


# ================================================================= authorization
def _as(o: ViolationObjection, command: str, actor: Actor, at: datetime) -> None:
    if command == "start_review":
        o.start_review(actor=actor, at=at)
    elif command == "request_evidence":
        o.request_evidence("补充材料", actor=actor, at=at)
    elif command == "supply_evidence":
        o.supply_evidence(["doc:1"], "", actor=actor, at=at)
    elif command == "decide":
        o.decide(True, "成立", actor=actor, at=at, policy=POLICY)
    elif command == "eliminate_record":
        o.eliminate_record(actor=actor, at=at)
    elif command == "complete_refund":
        o.complete_refund(Money(FINE), actor=actor, at=at)
    else:
        assert command == "withdraw"
        o.withdraw("", actor=actor, at=at)


# The status each command is allowed from (so only the actor can be what refuses it).
WHERE = {
    "start_review": S.FORWARDED,
    "request_evidence": S.UNDER_REVIEW,
    "supply_evidence": S.EVIDENCE_REQUESTED,
    "decide": S.UNDER_REVIEW,
    "eliminate_record": S.UPHELD,
    "complete_refund": S.UPHELD,
    "withdraw": S.UNDER_REVIEW,
}
RECORDING_ONLY = ["start_review", "request_evidence", "decide", "eliminate_record", "complete_refund"]
OWNER_IN_ZJ = Actor("driver", ZJ, Role.OWNER)  # the filer's account, acting for the recording province

AUTH_CASES: list[tuple[str, str, Actor, type[DomainError]]] = [
    # recording-only commands by the handling province
    *((f"{c}_by_handling", c, CHUAN_POLICE, NotPermitted) for c in RECORDING_ONLY),
    # handling-only commands by the recording province
    ("supply_evidence_by_recording", "supply_evidence", ZHE_POLICE, NotPermitted),
    ("withdraw_by_recording", "withdraw", ZHE_POLICE, NotPermitted),
    # a province not involved cannot even see the case
    *((f"{c}_by_hu", c, HU_POLICE, CaseNotFound) for c in WHERE),
    # an owner who did not file cannot see the case
    *((f"{c}_by_other_owner", c, OTHER_DRIVER, CaseNotFound) for c in WHERE),
    # the party sees the case but may only withdraw
    *((f"{c}_by_party", c, DRIVER, NotPermitted) for c in WHERE if c != "withdraw"),
    *((f"{c}_by_party_in_zj", c, OWNER_IN_ZJ, NotPermitted) for c in WHERE if c != "withdraw"),
    # the right province, the wrong role
    ("supply_evidence_by_vehicle_admin", "supply_evidence", CHUAN_ADMIN, NotPermitted),
    ("withdraw_by_vehicle_admin", "withdraw", CHUAN_ADMIN, NotPermitted),
    ("start_review_by_zj_admin", "start_review", Actor("zhe-admin", ZJ, Role.VEHICLE_ADMIN), NotPermitted),
    # the deadline watcher acts for no province: it may only mark clocks overdue
    *((f"{c}_by_watcher", c, WATCHER, CaseNotFound) for c in WHERE),
]


@pytest.mark.parametrize(
    ("command", "actor", "error"),
    [case[1:] for case in AUTH_CASES],
    ids=[case[0] for case in AUTH_CASES],
)
def test_authorization(command: str, actor: Actor, error: type[DomainError]) -> None:
    status = WHERE[command]
    o = in_status(status)
    o.collect_events()
    before = state(o)
    with pytest.raises(error) as caught:
        _as(o, command, actor, LATER)
    assert type(caught.value) is error
    assert caught.value.code == {NotPermitted: "auth.forbidden", CaseNotFound: "case.not_found"}[error]
    assert o.pending_events == []
    assert state(o) == before


@pytest.mark.parametrize("command", list(WHERE))
def test_the_right_actor_may(command: str) -> None:
    """The counterpart of the table above: each command by its own actor goes through."""
    actor = CHUAN_POLICE if command == "supply_evidence" else DRIVER if command == "withdraw" else ZHE_POLICE
    o = in_status(WHERE[command])
    version = o.version
    _as(o, command, actor, LATER)
    assert o.version > version


def test_uninvolved_province_cannot_learn_a_closed_case_exists() -> None:
    o = in_status(S.DISMISSED)
    with pytest.raises(CaseNotFound):
        o.withdraw("", actor=HU_POLICE, at=LATER)


# ======================================================================= rules
@pytest.mark.parametrize("amount", [0, 2 * FINE + 1, 100 * FINE])
def test_refund_amount_out_of_range_refused(amount: int) -> None:
    o = in_status(S.UPHELD)
    o.collect_events()
    before = state(o)
    with pytest.raises(RuleViolation) as caught:
        o.complete_refund(Money(amount), actor=ZHE_POLICE, at=LATER)
    assert (caught.value.code, caught.value.field) == ("refund.amount_invalid", "amount")
    assert o.pending_events == []
    assert state(o) == before


@pytest.mark.parametrize("amount", [1, FINE, 2 * FINE], ids=["one_yuan", "the_fine", "fine_and_surcharge"])
def test_refund_amount_in_range_accepted(amount: int) -> None:
    o = in_status(S.UPHELD)
    o.collect_events()
    o.complete_refund(Money(amount), actor=ZHE_POLICE, at=LATER)
    (event,) = o.collect_events()
    assert event.amount == amount
    assert (o.status, o.refunded) == (S.REFUNDED, amount)


def test_a_revoked_warning_leaves_nothing_to_refund() -> None:
    """A warning (警告, fine ¥0) with points: upholding revokes it, points reversed, no refund possible."""
    o = file(objection=filing(violation=violation(fine=Money(0), points=6)))
    review(o, T0 + timedelta(hours=1))
    o.collect_events()
    uphold(o, LATER)
    upheld, revoked = o.collect_events()
    assert type(upheld).__name__ == "ObjectionUpheld"
    assert (revoked.points_reversed, revoked.fine_to_refund) == (6, 0)
    for amount in (0, 1):
        with pytest.raises(RuleViolation) as caught:
            o.complete_refund(Money(amount), actor=ZHE_POLICE, at=LATER + timedelta(hours=1))
        assert caught.value.code == "refund.amount_invalid"
    assert o.pending_events == []
    assert o.status == S.UPHELD


@pytest.mark.parametrize("text", ["", "   "])
def test_evidence_request_and_decision_need_text(text: str) -> None:
    o = in_status(S.UNDER_REVIEW)
    o.collect_events()
    with pytest.raises(RuleViolation) as caught:
        o.request_evidence(text, actor=ZHE_POLICE, at=LATER)
    assert (caught.value.code, caught.value.field) == ("field.missing", "request")
    for upheld in (True, False):
        with pytest.raises(RuleViolation) as caught:
            o.decide(upheld, text, actor=ZHE_POLICE, at=LATER, policy=POLICY)
        assert (caught.value.code, caught.value.field) == ("field.missing", "reason")
    assert o.pending_events == []
    assert o.status == S.UNDER_REVIEW


def test_supplying_nothing_refused() -> None:
    o = in_status(S.EVIDENCE_REQUESTED)
    o.collect_events()
    with pytest.raises(RuleViolation) as caught:
        o.supply_evidence(["", "  "], "  ", actor=CHUAN_POLICE, at=LATER)
    assert (caught.value.code, caught.value.field) == ("evidence.empty", "evidence")
    assert o.pending_events == []
    assert o.status == S.EVIDENCE_REQUESTED


# ==================================================================== deadlines
def test_review_due_five_working_days_across_a_weekend() -> None:
    o = file(datetime(2026, 11, 20, 15, 0, tzinfo=CST))  # Fri
    # Sat 11-21 and Sun 11-22 are off; Mon 11-23 .. Fri 11-27 are days 1-5.
    assert o.deadlines == {"objection_review": Deadline("objection_review", eod(2026, 11, 27))}


def test_review_due_after_national_day() -> None:
    o = file(datetime(2026, 9, 30, 10, 0, tzinfo=CST))  # Wed, the eve of 国庆
    # 10-01..10-07 are 国庆 holidays; Thu 10-08 day 1, Fri 10-09 day 2, Sat 10-10 (a 调休 make-up
    # workday) day 3, Sun 10-11 off, Mon 10-12 day 4, Tue 10-13 day 5 -> due Tue 2026-10-13 23:59:59.
    assert o.deadlines == {"objection_review": Deadline("objection_review", eod(2026, 10, 13))}


def test_elimination_due_three_working_days_across_national_day() -> None:
    o = file(datetime(2026, 9, 21, 10, 0, tzinfo=CST))  # Mon
    # Tue 09-22, Wed 09-23, Thu 09-24 are days 1-3; 09-25..09-27 are 中秋 holidays (Fri-Sun);
    # Mon 09-28 day 4, Tue 09-29 day 5 -> review due Tue 2026-09-29.
    assert o.deadlines["objection_review"].due == eod(2026, 9, 29)
    review(o, datetime(2026, 9, 22, 9, 0, tzinfo=CST))
    o.collect_events()
    uphold(o, datetime(2026, 9, 29, 10, 0, tzinfo=CST))  # Tue
    upheld = o.collect_events()[0]
    # Wed 09-30 day 1; 10-01..10-07 are 国庆 holidays; Thu 10-08 day 2, Fri 10-09 day 3
    # -> due Fri 2026-10-09 23:59:59.
    assert upheld.opens == {"record_elimination": eod(2026, 10, 9)}
    assert o.deadlines == {"record_elimination": Deadline("record_elimination", eod(2026, 10, 9))}


# ================================================================= mark_overdue
@pytest.mark.parametrize("status", OPEN)
def test_review_overdue_flags_the_clock_and_the_case_stays_decidable(status: S) -> None:
    o = in_status(status)
    o.collect_events()
    version = o.version
    for at in (T0, REVIEW_DUE - timedelta(seconds=1), REVIEW_DUE):
        assert o.mark_overdue("objection_review", at, WATCHER) is False
    assert o.pending_events == []

    late = REVIEW_DUE + timedelta(seconds=1)
    assert o.mark_overdue("objection_review", late, WATCHER) is True
    (event,) = o.collect_events()
    assert type(event).__name__ == "ReviewOverdue"
    assert isinstance(event, ViolationObjection.ReviewOverdue)
    assert (event.deadline, event.at, event.actor) == ("objection_review", late, WATCHER.as_dict())
    assert (event.opens, event.closes, event.provinces) == ({}, [], [ZJ, SC])
    assert o.deadlines == {"objection_review": Deadline("objection_review", REVIEW_DUE, overdue=True)}
    assert (o.status, o.version) == (status, version + 1)
    assert o.is_open
    # Idempotent: the watcher may call it as often as it likes.
    assert o.mark_overdue("objection_review", late, WATCHER) is False
    assert o.mark_overdue("objection_review", late + timedelta(days=5), WATCHER) is False
    assert o.pending_events == []

    # The decision may still come, late; it closes the clock.
    if status == S.FORWARDED:
        review(o, late + timedelta(hours=1))
    dismiss(o, late + timedelta(hours=2))
    assert (o.status, o.deadlines) == (S.DISMISSED, {})


@pytest.mark.parametrize("status", [S.UPHELD, S.REFUNDED])
def test_elimination_overdue(status: S) -> None:
    o = in_status(status)
    o.collect_events()
    due = o.deadlines["record_elimination"].due
    assert o.mark_overdue("record_elimination", due, WATCHER) is False
    assert o.mark_overdue("record_elimination", due + timedelta(seconds=1), WATCHER) is True
    (event,) = o.collect_events()
    assert type(event).__name__ == "EliminationOverdue"
    assert event.deadline == "record_elimination"
    assert o.deadlines["record_elimination"].overdue is True
    assert o.status == status
    assert o.mark_overdue("record_elimination", due + timedelta(days=1), WATCHER) is False
    eliminate(o, due + timedelta(days=2))
    assert o.deadlines == {}


@pytest.mark.parametrize("status", TERMINAL)
@pytest.mark.parametrize("name", ["objection_review", "record_elimination", "bogus"])
def test_no_overdue_on_a_closed_case(status: S, name: str) -> None:
    o = in_status(status)
    o.collect_events()
    version = o.version
    assert o.mark_overdue(name, T0 + timedelta(days=400), WATCHER) is False
    assert o.pending_events == []
    assert (o.version, o.status) == (version, status)


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (S.FORWARDED, "record_elimination"),
        (S.UNDER_REVIEW, "bogus"),
        (S.UPHELD, "objection_review"),
        (S.REFUNDED, "objection_review"),
    ],
)
def test_no_overdue_of_a_clock_not_running(status: S, name: str) -> None:
    o = in_status(status)
    o.collect_events()
    assert o.mark_overdue(name, T0 + timedelta(days=400), WATCHER) is False
    assert o.pending_events == []


def test_no_overdue_once_the_record_is_eliminated() -> None:
    o = in_status(S.UPHELD)
    eliminate(o, LATER)
    o.collect_events()
    assert o.mark_overdue("record_elimination", T0 + timedelta(days=400), WATCHER) is False
    assert o.pending_events == []
