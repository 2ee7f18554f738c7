"""VehicleTransfer (跨省转籍): the flow, the refusals, who may act, and the clocks (DOMAIN.md §1, §Time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest

from tests.support.terms import NATIONAL_TERMS
from tests.unit.domain.transfer_builders import (
    ALICE,
    BOB,
    CASE_ID,
    CHUAN,
    CQ,
    HOLD,
    HU,
    NEW_PLATE,
    OPEN_STATUSES,
    POLICE_CQ,
    POLICE_SC,
    POLICY,
    SC,
    SH,
    T0,
    TERMINAL_STATUSES,
    WATCHER,
    YU,
    application,
    apply,
    in_status,
    inspect_fail,
    inspect_pass,
    register,
    reject,
    release,
    replay,
    state,
    verify,
)
from xborder.domain.actors import Actor, Role
from xborder.domain.calendar import CST, TimeLimit
from xborder.domain.cases import Deadline, DeadlinePolicy
from xborder.domain.errors import (
    CaseNotFound,
    DomainError,
    NotPermitted,
    RuleViolation,
    TransitionNotAllowed,
    VehicleBlocked,
)
from xborder.domain.holidays_cn import china_calendar
from xborder.domain.plates import Plate
from xborder.domain.provinces import province_by_code
from xborder.domain.zones import ZONES, Zone, ZoneBook
from xborder.workflows.transfer.aggregate import (
    Mortgagee,
    TransferStatus,
    VehicleTransfer,
)
from xborder.workflows.transfer.terms import Term

S = TransferStatus
Command = Callable[[VehicleTransfer, datetime], None]


def types_of(events: Any) -> list[str]:
    return [type(e).__name__ for e in events]


def eod(year: int, month: int, day: int) -> datetime:
    """End of a day in CST: every day-based deadline runs out at 23:59:59."""
    return datetime(year, month, day, 23, 59, 59, tzinfo=CST)


# ===================================================================== happy path
def test_happy_path_chuan_to_yu() -> None:
    t = apply()

    assert t.id == CASE_ID
    assert (t.status, t.version) == (S.ARCHIVE_REQUESTED, 2)
    assert isinstance(t.status, TransferStatus)
    assert t.roles == {SC: "origin", CQ: "destination"}
    assert t.provinces == [CQ, SC]
    assert t.parties == {"alice"}
    assert (t.plate, t.vin, t.origin, t.destination) == ("川A12345", "1M8GDM9AXKP042788", SC, CQ)
    first = t.collect_events()
    assert types_of(first) == ["TransferApplied", "ArchiveRequested"]
    assert [e.originator_version for e in first] == [1, 2]
    applied, requested = first
    assert applied.actor == ALICE.as_dict()
    assert applied.owner == {"name": "张三", "id_number": "11010519491231002X", "phone": "13800138000"}
    assert applied.mortgagee is None
    # The archive request is the destination office's act, not the applicant's.
    assert requested.actor["province"] == CQ
    assert requested.actor["role"] == "system"
    assert requested.opens == {"archive_release": eod(2026, 11, 24)}

    table: list[tuple[Command, S, int, str]] = [
        (release, S.ARCHIVE_RELEASED, 3, "ArchiveReleased"),
        (verify, S.ARCHIVE_VERIFIED, 4, "ArchiveVerified"),
        (inspect_pass, S.INSPECTED, 5, "VehicleInspected"),
        (register, S.REGISTERED, 6, "TransferRegistered"),
    ]
    all_events = list(first)
    at = T0
    for step, status, version, event_type in table:
        at += timedelta(hours=2)
        step(t, at)
        events = t.collect_events()
        assert types_of(events) == [event_type]
        assert (t.status, t.version) == (status, version)
        assert events[0].originator_version == version
        assert events[0].at == at
        all_events += events

    assert types_of(all_events) == [
        "TransferApplied",
        "ArchiveRequested",
        "ArchiveReleased",
        "ArchiveVerified",
        "VehicleInspected",
        "TransferRegistered",
    ]
    assert all(e.provinces == [CQ, SC] for e in all_events)
    assert [e.actor["province"] for e in all_events] == [CQ, CQ, SC, CQ, CQ, CQ]
    assert t.archive_ref == "ARC-510000-0001"
    assert t.inspections == 1
    assert t.new_plate == "渝B12345"
    assert all_events[-1].old_plate == "川A12345"
    assert t.deadlines == {}
    assert t.is_terminal
    assert state(replay(all_events)) == state(t)


@pytest.mark.parametrize("status", list(TransferStatus))
def test_replay_rebuilds_every_status(status: S) -> None:
    t = in_status(status)
    events = t.collect_events()
    assert len(events) == t.version
    assert state(replay(events)) == state(t)


# ============================================================ refusals at application
@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"vehicle_type": "large_passenger"}, "transfer.vehicle_not_eligible", "vehicle_type"),
        ({"vehicle_type": "medium_passenger"}, "transfer.vehicle_not_eligible", "vehicle_type"),
        ({"vehicle_type": "light_truck"}, "transfer.vehicle_not_eligible", "vehicle_type"),
        ({"use": "commercial"}, "transfer.vehicle_not_eligible", "use"),
        ({"vehicle_type": "mini_passenger", "use": "commercial"}, "transfer.vehicle_not_eligible", "use"),
        ({"vehicle_type": "hovercraft"}, "vehicle_type.invalid", "vehicle_type"),
        ({"vehicle_type": ""}, "vehicle_type.invalid", "vehicle_type"),
        ({"use": "taxi"}, "use.invalid", "use"),
        ({"plate": Plate.parse("渝A12345")}, "transfer.same_province", "destination_province"),
        ({"mortgaged": True}, "transfer.mortgagee_required", "mortgagee"),
    ],
    ids=[
        "large_passenger",
        "medium_passenger",
        "light_truck",
        "commercial",
        "mini_commercial",
        "unknown_type",
        "empty_type",
        "unknown_use",
        "same_province",
        "mortgaged_alone",
    ],
)
def test_application_refused(changes: dict[str, Any], code: str, field: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        apply(app=application(**changes))
    assert caught.value.code == code
    assert caught.value.field == field
    assert not isinstance(caught.value, VehicleBlocked)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"vehicle_type": "mini_passenger"},
        {"mortgaged": True, "mortgagee": Mortgagee("重庆农商行", "CONSENT-1")},
        {"plate": Plate.parse("沪A12345")},
    ],
    ids=["small", "mini", "mortgaged_with_mortgagee", "from_shanghai"],
)
def test_application_accepted(changes: dict[str, Any]) -> None:
    app = application(**changes)
    t = apply(app=app)
    assert (t.status, t.version) == (S.ARCHIVE_REQUESTED, 2)
    assert t.roles == {app.plate.province.code: "origin", CQ: "destination"}
    applied = t.collect_events()[0]
    if app.mortgagee is not None:
        assert applied.mortgagee == {"name": "重庆农商行", "consent_ref": "CONSENT-1"}


def test_application_blocked_by_a_hold_carries_the_hold_but_names_only_its_kind() -> None:
    """Which case holds the vehicle is for the API to show to whoever may see that case."""
    with pytest.raises(VehicleBlocked) as caught:
        VehicleTransfer.apply_for(application(), actor=ALICE, at=T0, policy=POLICY, holds=[HOLD])
    assert caught.value.code == "transfer.vehicle_blocked"
    assert caught.value.holds == (HOLD,)
    assert str(HOLD.case_id) not in caught.value.detail and HOLD.kind in caught.value.detail
    assert caught.value.field == "plate"


@pytest.mark.parametrize(
    "actor",
    [POLICE_CQ, POLICE_SC, CHUAN, HU, Actor("sys", CQ, Role.SYSTEM), Actor("ins", CQ, Role.INSURER)],
    ids=["police_destination", "police_origin", "admin_origin", "admin_other", "system", "insurer"],
)
def test_application_by_a_wrong_actor_refused(actor: Actor) -> None:
    with pytest.raises(NotPermitted) as caught:
        apply(actor=actor)
    assert caught.value.code == "auth.forbidden"


def test_destination_office_may_apply_on_behalf_of_the_owner() -> None:
    t = apply(actor=YU)
    assert t.status == S.ARCHIVE_REQUESTED
    assert t.parties == {"yu"}


# ============================================================ refused transitions
def _release(t: VehicleTransfer, at: datetime) -> None:
    t.release_archive("ARC-2", actor=CHUAN, at=at, policy=POLICY)


def _refuse(t: VehicleTransfer, at: datetime) -> None:
    t.refuse(["stolen"], "", actor=CHUAN, at=at)


def _accept(t: VehicleTransfer, at: datetime) -> None:
    t.verify_archive(True, "ok", actor=YU, at=at)


def _reject(t: VehicleTransfer, at: datetime) -> None:
    t.verify_archive(False, "mismatch", actor=YU, at=at)


def _pass(t: VehicleTransfer, at: datetime) -> None:
    t.inspect(True, [], [], actor=YU, at=at, policy=POLICY)


def _fail(t: VehicleTransfer, at: datetime) -> None:
    t.inspect(False, ["rust"], [], actor=YU, at=at, policy=POLICY)


def _register(t: VehicleTransfer, at: datetime) -> None:
    t.register(NEW_PLATE, actor=YU, at=at)


def _withdraw_owner(t: VehicleTransfer, at: datetime) -> None:
    t.withdraw("", actor=ALICE, at=at)


def _withdraw_office(t: VehicleTransfer, at: datetime) -> None:
    t.withdraw("owner asked at the counter", actor=YU, at=at)


# command -> the statuses it is allowed from (performed by an actor allowed to do it)
COMMANDS: dict[str, tuple[Command, frozenset[S]]] = {
    "release_archive": (_release, frozenset({S.ARCHIVE_REQUESTED})),
    "refuse": (_refuse, frozenset({S.ARCHIVE_REQUESTED})),
    "verify_accept": (_accept, frozenset({S.ARCHIVE_RELEASED})),
    "verify_reject": (_reject, frozenset({S.ARCHIVE_RELEASED})),
    "inspect_pass": (_pass, frozenset({S.ARCHIVE_VERIFIED})),
    "inspect_fail": (_fail, frozenset({S.ARCHIVE_VERIFIED})),
    "register": (_register, frozenset({S.INSPECTED})),
    "withdraw_owner": (_withdraw_owner, frozenset(OPEN_STATUSES)),
    "withdraw_office": (_withdraw_office, frozenset(OPEN_STATUSES)),
}
REFUSED = [(name, status) for name, (_, ok) in COMMANDS.items() for status in S if status not in ok]
ALLOWED = [(name, status) for name, (_, ok) in COMMANDS.items() for status in S if status in ok]


@pytest.mark.parametrize(("command", "status"), REFUSED, ids=[f"{c}-{s}" for c, s in REFUSED])
def test_transition_refused(command: str, status: S) -> None:
    t = in_status(status)
    events = t.collect_events()
    before = state(t)
    with pytest.raises(TransitionNotAllowed) as caught:
        COMMANDS[command][0](t, T0 + timedelta(days=1))
    assert caught.value.code == "transition.not_allowed"
    assert t.pending_events == []
    assert t.version == len(events)
    assert state(t) == before


@pytest.mark.parametrize(("command", "status"), ALLOWED, ids=[f"{c}-{s}" for c, s in ALLOWED])
def test_transition_allowed(command: str, status: S) -> None:
    """The counterpart of the table above: the same call succeeds where it is allowed."""
    t = in_status(status)
    version = t.version
    t.collect_events()
    COMMANDS[command][0](t, T0 + timedelta(days=1))
    assert len(t.collect_events()) == 1
    assert t.version == version + 1


def test_every_command_is_refused_somewhere_and_table_covers_statuses() -> None:
    assert {s for _, s in REFUSED} == set(S)
    assert len(REFUSED) + len(ALLOWED) == len(COMMANDS) * len(S)


# ================================================================= authorization
AUTH_CASES: list[tuple[str, S, Command, type[DomainError]]] = [
    # origin-only commands by the destination
    ("release_by_destination", S.ARCHIVE_REQUESTED, lambda t, at: _as(t, "release", YU, at), NotPermitted),
    ("refuse_by_destination", S.ARCHIVE_REQUESTED, lambda t, at: _as(t, "refuse", YU, at), NotPermitted),
    # destination-only commands by the origin
    ("verify_by_origin", S.ARCHIVE_RELEASED, lambda t, at: _as(t, "verify", CHUAN, at), NotPermitted),
    ("reject_by_origin", S.ARCHIVE_RELEASED, lambda t, at: _as(t, "reject", CHUAN, at), NotPermitted),
    ("inspect_by_origin", S.ARCHIVE_VERIFIED, lambda t, at: _as(t, "inspect", CHUAN, at), NotPermitted),
    ("register_by_origin", S.INSPECTED, lambda t, at: _as(t, "register", CHUAN, at), NotPermitted),
    ("withdraw_by_origin", S.ARCHIVE_RELEASED, lambda t, at: _as(t, "withdraw", CHUAN, at), NotPermitted),
    # a province not involved cannot even see the case
    ("release_by_hu", S.ARCHIVE_REQUESTED, lambda t, at: _as(t, "release", HU, at), CaseNotFound),
    ("refuse_by_hu", S.ARCHIVE_REQUESTED, lambda t, at: _as(t, "refuse", HU, at), CaseNotFound),
    ("verify_by_hu", S.ARCHIVE_RELEASED, lambda t, at: _as(t, "verify", HU, at), CaseNotFound),
    ("inspect_by_hu", S.ARCHIVE_VERIFIED, lambda t, at: _as(t, "inspect", HU, at), CaseNotFound),
    ("register_by_hu", S.INSPECTED, lambda t, at: _as(t, "register", HU, at), CaseNotFound),
    ("withdraw_by_hu", S.ARCHIVE_REQUESTED, lambda t, at: _as(t, "withdraw", HU, at), CaseNotFound),
    # ... not even to learn that the case is closed
    ("withdraw_by_hu_terminal", S.REGISTERED, lambda t, at: _as(t, "withdraw", HU, at), CaseNotFound),
    # an owner who did not apply cannot see the case
    ("withdraw_by_other_owner", S.ARCHIVE_REQUESTED, lambda t, at: _as(t, "withdraw", BOB, at), CaseNotFound),
    ("release_by_other_owner", S.ARCHIVE_REQUESTED, lambda t, at: _as(t, "release", BOB, at), CaseNotFound),
    # the applicant sees the case but may only withdraw
    ("release_by_applicant", S.ARCHIVE_REQUESTED, lambda t, at: _as(t, "release", ALICE, at), NotPermitted),
    ("verify_by_applicant", S.ARCHIVE_RELEASED, lambda t, at: _as(t, "verify", ALICE, at), NotPermitted),
    ("register_by_applicant", S.INSPECTED, lambda t, at: _as(t, "register", ALICE, at), NotPermitted),
    # the right province, the wrong role
    (
        "release_by_police_sc",
        S.ARCHIVE_REQUESTED,
        lambda t, at: _as(t, "release", POLICE_SC, at),
        NotPermitted,
    ),
    ("refuse_by_police_sc", S.ARCHIVE_REQUESTED, lambda t, at: _as(t, "refuse", POLICE_SC, at), NotPermitted),
    (
        "withdraw_by_police_sc",
        S.ARCHIVE_REQUESTED,
        lambda t, at: _as(t, "withdraw", POLICE_SC, at),
        NotPermitted,
    ),
    ("register_by_police_cq", S.INSPECTED, lambda t, at: _as(t, "register", POLICE_CQ, at), NotPermitted),
]


def _as(t: VehicleTransfer, command: str, actor: Actor, at: datetime) -> None:
    if command == "release":
        t.release_archive("ARC-X", actor=actor, at=at, policy=POLICY)
    elif command == "refuse":
        t.refuse(["stolen"], "", actor=actor, at=at)
    elif command == "verify":
        t.verify_archive(True, "", actor=actor, at=at)
    elif command == "reject":
        t.verify_archive(False, "bad", actor=actor, at=at)
    elif command == "inspect":
        t.inspect(True, [], [], actor=actor, at=at, policy=POLICY)
    elif command == "register":
        t.register(NEW_PLATE, actor=actor, at=at)
    else:
        assert command == "withdraw"
        t.withdraw("", actor=actor, at=at)


@pytest.mark.parametrize(
    ("status", "command", "error"),
    [case[1:] for case in AUTH_CASES],
    ids=[case[0] for case in AUTH_CASES],
)
def test_authorization(status: S, command: Command, error: type[DomainError]) -> None:
    t = in_status(status)
    t.collect_events()
    version = t.version
    with pytest.raises(error) as caught:
        command(t, T0 + timedelta(days=1))
    assert type(caught.value) is error
    assert caught.value.code == {NotPermitted: "auth.forbidden", CaseNotFound: "case.not_found"}[error]
    assert t.pending_events == []
    assert (t.version, t.status) == (version, status)


@pytest.mark.parametrize("status", OPEN_STATUSES)
@pytest.mark.parametrize("actor", [ALICE, YU], ids=["applicant", "destination_office"])
def test_withdrawal_by_applicant_or_destination(actor: Actor, status: S) -> None:
    t = in_status(status)
    t.collect_events()
    t.withdraw("  moving plans changed ", actor=actor, at=T0 + timedelta(days=1))
    (event,) = t.collect_events()
    assert type(event).__name__ == "TransferWithdrawn"
    assert event.reason == "moving plans changed"
    assert event.actor == actor.as_dict()
    assert t.status == S.WITHDRAWN


# ======================================================================== rules
def test_register_with_a_plate_of_another_province_refused() -> None:
    t = in_status(S.INSPECTED)
    t.collect_events()
    for plate in ("川B54321", "沪A12345"):
        with pytest.raises(RuleViolation) as caught:
            t.register(Plate.parse(plate), actor=YU, at=T0 + timedelta(days=1))
        assert caught.value.code == "plate.wrong_province"
        assert caught.value.field == "new_plate"
    assert t.pending_events == []
    assert t.status == S.INSPECTED
    t.register(Plate.parse("渝AD12345"), actor=YU, at=T0 + timedelta(days=1))
    assert t.new_plate == "渝AD12345"


@pytest.mark.parametrize("reasons", [[], [""], ["   ", "\t"]], ids=["none", "empty", "blank"])
def test_failed_inspection_needs_reasons(reasons: list[str]) -> None:
    t = in_status(S.ARCHIVE_VERIFIED)
    t.collect_events()
    with pytest.raises(RuleViolation) as caught:
        t.inspect(False, reasons, ["photo"], actor=YU, at=T0 + timedelta(days=1), policy=POLICY)
    assert caught.value.code == "inspection.reasons_required"
    assert t.pending_events == []
    assert t.inspections == 0


def test_failed_inspection_keeps_status_and_may_be_redone() -> None:
    t = in_status(S.ARCHIVE_VERIFIED)
    t.collect_events()
    lapse_before = t.deadlines["transfer_lapse"]
    at = T0 + timedelta(days=1)
    inspect_fail(t, at)
    (failed,) = t.collect_events()
    assert (failed.passed, failed.reasons, failed.evidence) == (
        False,
        ["VIN rubbing unreadable"],
        ["photo:vin"],
    )
    assert failed.opens == {}
    assert t.status == S.ARCHIVE_VERIFIED
    assert t.inspections == 1
    assert t.deadlines == {"transfer_lapse": lapse_before}
    inspect_fail(t, at + timedelta(hours=1))
    inspect_pass(t, at + timedelta(hours=2))
    assert types_of(t.collect_events()) == ["VehicleInspected", "VehicleInspected"]
    assert t.status == S.INSPECTED
    assert t.inspections == 3
    assert set(t.deadlines) == {"registration", "transfer_lapse"}


def test_inspection_strips_reasons_and_evidence() -> None:
    t = in_status(S.ARCHIVE_VERIFIED)
    t.collect_events()
    t.inspect(False, [" rust ", "  "], [" photo:1 ", ""], actor=YU, at=T0 + timedelta(days=1), policy=POLICY)
    (event,) = t.collect_events()
    assert (event.reasons, event.evidence) == (["rust"], ["photo:1"])


@pytest.mark.parametrize("reason", ["", "   "])
def test_archive_rejection_needs_a_reason(reason: str) -> None:
    t = in_status(S.ARCHIVE_RELEASED)
    t.collect_events()
    with pytest.raises(RuleViolation) as caught:
        t.verify_archive(False, reason, actor=YU, at=T0 + timedelta(days=1))
    assert caught.value.code == "field.missing"
    assert caught.value.field == "reason"
    assert t.pending_events == []
    assert t.status == S.ARCHIVE_RELEASED
    reject(t, T0 + timedelta(days=1))
    assert t.status == S.ARCHIVE_REJECTED


@pytest.mark.parametrize(
    ("reasons", "code"),
    [
        (["bribery"], "refusal.reason_invalid"),
        (["stolen", "owner_is_rude"], "refusal.reason_invalid"),
        (["STOLEN"], "refusal.reason_invalid"),
        ([], "refusal.reasons_required"),
    ],
)
def test_refusal_reasons_validated(reasons: list[str], code: str) -> None:
    t = in_status(S.ARCHIVE_REQUESTED)
    t.collect_events()
    with pytest.raises(RuleViolation) as caught:
        t.refuse(reasons, "", actor=CHUAN, at=T0 + timedelta(hours=1))
    assert caught.value.code == code
    assert t.pending_events == []
    assert t.status == S.ARCHIVE_REQUESTED


def test_refusal_records_known_reasons_once_and_closes_the_release_clock() -> None:
    t = in_status(S.ARCHIVE_REQUESTED)
    t.collect_events()
    t.refuse(["stolen", "sealed_or_seized", "stolen"], " 盗抢 ", actor=CHUAN, at=T0 + timedelta(hours=1))
    (event,) = t.collect_events()
    assert (event.reasons, event.detail) == (["sealed_or_seized", "stolen"], "盗抢")
    assert event.closes == ["archive_release"]
    assert (t.status, t.deadlines) == (S.REFUSED, {})


def test_release_rechecks_holds() -> None:
    t = in_status(S.ARCHIVE_REQUESTED)
    t.collect_events()
    at = T0 + timedelta(hours=1)
    with pytest.raises(VehicleBlocked) as caught:
        t.release_archive("ARC-1", actor=CHUAN, at=at, policy=POLICY, holds=[HOLD])
    assert caught.value.code == "transfer.vehicle_blocked"
    assert caught.value.holds == (HOLD,)
    assert t.pending_events == []
    assert t.status == S.ARCHIVE_REQUESTED
    assert set(t.deadlines) == {"archive_release"}
    # Once the hold is gone, the origin may release.
    t.release_archive(" ARC-1 ", actor=CHUAN, at=at, policy=POLICY, holds=())
    assert (t.status, t.archive_ref) == (S.ARCHIVE_RELEASED, "ARC-1")


@pytest.mark.parametrize("ref", ["", "  "])
def test_release_needs_an_archive_reference(ref: str) -> None:
    t = in_status(S.ARCHIVE_REQUESTED)
    t.collect_events()
    with pytest.raises(RuleViolation) as caught:
        t.release_archive(ref, actor=CHUAN, at=T0 + timedelta(hours=1), policy=POLICY)
    assert (caught.value.code, caught.value.field) == ("field.missing", "archive_ref")
    assert t.pending_events == []


def test_naive_times_refused() -> None:
    t = in_status(S.ARCHIVE_REQUESTED)
    t.collect_events()
    with pytest.raises(ValueError, match="timezone-aware"):
        t.refuse(["stolen"], "", actor=CHUAN, at=datetime(2026, 11, 21, 9, 0))
    assert t.pending_events == []


# ==================================================================== deadlines
def test_application_opens_archive_release_two_working_days() -> None:
    # Applied Fri 2026-11-20 15:00: the first day is not counted; Sat/Sun are not working days;
    # Mon 11-23 is day 1, Tue 11-24 day 2 -> due Tue 2026-11-24 23:59:59 CST.
    t = apply()
    assert t.deadlines == {"archive_release": Deadline("archive_release", eod(2026, 11, 24))}


def test_release_on_the_eve_of_national_day() -> None:
    t = apply(datetime(2026, 9, 28, 10, 0, tzinfo=CST))
    t.collect_events()
    release(t, datetime(2026, 9, 30, 16, 0, tzinfo=CST))  # Wed
    (event,) = t.collect_events()
    # archive_verification, 1 working day: 10-01..10-07 are 国庆 holidays, so day 1 is Thu 10-08.
    # transfer_lapse, 30 calendar days: 09-30 + 30 days = Fri 10-30, a working day, so no shift.
    assert event.opens == {
        "archive_verification": eod(2026, 10, 8),
        "transfer_lapse": eod(2026, 10, 30),
    }
    assert event.closes == ["archive_release"]
    assert t.deadlines == {
        "archive_verification": Deadline("archive_verification", eod(2026, 10, 8)),
        "transfer_lapse": Deadline("transfer_lapse", eod(2026, 10, 30)),
    }


def test_lapse_landing_on_a_holiday_moves_to_the_next_working_day() -> None:
    t = apply(datetime(2026, 9, 3, 10, 0, tzinfo=CST))
    release(t, datetime(2026, 9, 4, 10, 0, tzinfo=CST))  # Fri
    # 09-04 + 30 calendar days = Sun 10-04, inside 国庆 (10-01..10-07): the next working day is
    # Thu 10-08. Verification (1 working day from Fri 09-04) skips the weekend: Mon 09-07.
    assert t.deadlines["transfer_lapse"].due == eod(2026, 10, 8)
    assert t.deadlines["archive_verification"].due == eod(2026, 9, 7)


def test_passed_inspection_opens_registration_three_working_days() -> None:
    t = apply(datetime(2026, 9, 21, 10, 0, tzinfo=CST))
    release(t, datetime(2026, 9, 22, 10, 0, tzinfo=CST))
    verify(t, datetime(2026, 9, 23, 10, 0, tzinfo=CST))
    lapse_due = t.deadlines["transfer_lapse"].due
    assert lapse_due == eod(2026, 10, 22)  # Tue 09-22 + 30 = Thu 10-22, a working day
    t.collect_events()
    inspect_pass(t, datetime(2026, 9, 24, 10, 0, tzinfo=CST))  # Thu
    (event,) = t.collect_events()
    # 09-25..09-27 are 中秋 holidays (Fri-Sun): Mon 09-28, Tue 09-29, Wed 09-30 are days 1-3.
    assert event.opens == {"registration": eod(2026, 9, 30)}
    assert t.deadlines == {
        "registration": Deadline("registration", eod(2026, 9, 30)),
        "transfer_lapse": Deadline("transfer_lapse", lapse_due),
    }


def test_verification_closes_its_clock_and_rejection_also_the_lapse() -> None:
    accepted = in_status(S.ARCHIVE_VERIFIED)
    assert set(accepted.deadlines) == {"transfer_lapse"}
    assert accepted.collect_events()[-1].closes == ["archive_verification"]
    rejected = in_status(S.ARCHIVE_REJECTED)
    assert rejected.deadlines == {}
    assert rejected.collect_events()[-1].closes == ["archive_verification", "transfer_lapse"]


def test_registration_closes_registration_and_lapse() -> None:
    t = in_status(S.INSPECTED)
    t.collect_events()
    assert set(t.deadlines) == {"registration", "transfer_lapse"}
    register(t, T0 + timedelta(days=1))
    (event,) = t.collect_events()
    assert event.closes == ["registration", "transfer_lapse"]
    assert t.deadlines == {}


@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_withdrawal_closes_all_deadlines(status: S) -> None:
    t = in_status(status)
    t.collect_events()
    open_before = sorted(t.deadlines)
    assert open_before  # every open status runs at least one clock
    t.withdraw("", actor=ALICE, at=T0 + timedelta(days=1))
    (event,) = t.collect_events()
    assert event.closes == open_before
    assert t.deadlines == {}


# ================================================================= mark_overdue
def test_mark_overdue_before_or_at_due_records_nothing() -> None:
    t = apply()
    t.collect_events()
    due = eod(2026, 11, 24)
    for at in (T0, due - timedelta(seconds=1), due):
        assert t.mark_overdue("archive_release", at, WATCHER) is False
    assert t.pending_events == []
    assert t.version == 2
    assert t.deadlines["archive_release"].overdue is False


def test_mark_overdue_after_due_records_once_and_keeps_the_clock_open() -> None:
    t = apply()
    t.collect_events()
    due = eod(2026, 11, 24)
    late = due + timedelta(seconds=1)
    assert t.mark_overdue("archive_release", late, WATCHER) is True
    (event,) = t.collect_events()
    assert type(event).__name__ == "ArchiveReleaseOverdue"
    assert isinstance(event, VehicleTransfer.ArchiveReleaseOverdue)
    assert (event.deadline, event.at, event.actor) == ("archive_release", late, WATCHER.as_dict())
    assert (event.opens, event.closes) == ({}, [])
    assert event.provinces == [CQ, SC]
    assert t.deadlines == {"archive_release": Deadline("archive_release", due, overdue=True)}
    assert (t.status, t.version) == (S.ARCHIVE_REQUESTED, 3)
    # Idempotent: the watcher may call it as often as it likes.
    assert t.mark_overdue("archive_release", late, WATCHER) is False
    assert t.mark_overdue("archive_release", late + timedelta(days=3), WATCHER) is False
    assert t.pending_events == []
    # The awaited event may still come, late; it closes the clock.
    release(t, late + timedelta(hours=1))
    assert "archive_release" not in t.deadlines


@pytest.mark.parametrize(
    ("status", "name", "event_type"),
    [
        (S.ARCHIVE_RELEASED, "archive_verification", "ArchiveVerificationOverdue"),
        (S.INSPECTED, "registration", "RegistrationOverdue"),
    ],
)
def test_other_overdue_events(status: S, name: str, event_type: str) -> None:
    t = in_status(status)
    t.collect_events()
    due = t.deadlines[name].due
    assert t.mark_overdue(name, due + timedelta(seconds=1), WATCHER) is True
    (event,) = t.collect_events()
    assert type(event).__name__ == event_type
    assert t.deadlines[name].overdue is True
    assert t.status == status


@pytest.mark.parametrize("status", TERMINAL_STATUSES)
@pytest.mark.parametrize("name", [*(str(n) for n in VehicleTransfer.OVERDUE_EVENTS), "bogus"])
def test_mark_overdue_on_a_terminal_case_records_nothing(status: S, name: str) -> None:
    t = in_status(status)
    t.collect_events()
    version = t.version
    assert t.mark_overdue(name, T0 + timedelta(days=400), WATCHER) is False
    assert t.pending_events == []
    assert (t.version, t.status) == (version, status)


def test_mark_overdue_of_a_clock_not_running_records_nothing() -> None:
    t = apply()
    t.collect_events()
    for name in ("archive_verification", "registration", "transfer_lapse", "bogus"):
        assert t.mark_overdue(name, T0 + timedelta(days=400), WATCHER) is False
    assert t.pending_events == []


def test_transfer_lapse_overdue_lapses_the_case() -> None:
    t = in_status(S.INSPECTED)
    t.collect_events()
    due = t.deadlines["transfer_lapse"].due
    # Released Fri 11-20 16:00: + 30 days = Sun 12-20 -> the next working day, Mon 12-21.
    assert due == eod(2026, 12, 21)
    assert t.mark_overdue("transfer_lapse", due, WATCHER) is False
    assert t.mark_overdue("transfer_lapse", due + timedelta(seconds=1), WATCHER) is True
    (event,) = t.collect_events()
    assert type(event).__name__ == "TransferLapsed"
    assert event.deadline == "transfer_lapse"
    assert event.closes == ["registration", "transfer_lapse"]
    assert (t.status, t.deadlines) == (S.LAPSED, {})
    assert t.is_terminal
    with pytest.raises(TransitionNotAllowed):
        register(t, due + timedelta(days=1))


# ================================================================== zone override
def test_zone_override_applies_only_inside_the_zone() -> None:
    fast = Zone(
        "chuanyu_fast",
        "川渝 (1 working day)",
        frozenset({SC, CQ}),
        MappingProxyType({Term.ARCHIVE_RELEASE: TimeLimit(1, "working_days")}),
    )
    zoned = DeadlinePolicy(
        calendar=china_calendar(), zones=ZoneBook(zones=(*ZONES, fast), national=NATIONAL_TERMS)
    )

    inside = apply(policy=zoned)
    # Fri 11-20 + 1 working day = Mon 11-23 (national: Tue 11-24).
    assert inside.deadlines["archive_release"].due == eod(2026, 11, 23)
    assert apply(policy=POLICY).deadlines["archive_release"].due == eod(2026, 11, 24)

    outside = apply(policy=zoned, app=application(plate=Plate.parse("沪A12345")))
    assert outside.roles == {SH: "origin", CQ: "destination"}
    assert outside.deadlines["archive_release"].due == eod(2026, 11, 24)

    # Terms the zone does not override keep their national value inside the zone.
    inside.release_archive("ARC-1", actor=CHUAN, at=T0 + timedelta(hours=1), policy=zoned)
    assert inside.deadlines["archive_verification"].due == eod(2026, 11, 23)
    assert inside.deadlines["transfer_lapse"].due == eod(2026, 12, 21)


def test_reverse_direction_yu_to_chuan() -> None:
    """Origin and destination come from the plate and the application, not from fixed provinces."""
    app = replace(application(), destination=province_by_code(SC), plate=Plate.parse("渝A12345"))
    t = apply(actor=CHUAN, app=app)
    assert t.roles == {CQ: "origin", SC: "destination"}
    assert t.collect_events()[1].actor["province"] == SC
