"""JointRescue (警医保三方联动): the flow, the funding rules, who may act, the fund's clocks, and the process
manager that opens a fled driver's hit-and-run case (DOMAIN.md §4, §Time)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID, uuid4

import pytest

from tests.unit.domain.rescue_builders import (
    CASUALTIES,
    CPIC,
    CPIC_CAR,
    DISPATCHER,
    FUND,
    GUI,
    HOSPITAL,
    HU,
    HU_DISPATCHER,
    HU_POLICE,
    NO_INSURER_CAR,
    NO_ORG_INSURER,
    NO_POLICY_CAR,
    NOTES,
    OCCURRED,
    PATHS,
    PICC,
    PICC_CAR,
    PINGAN,
    POLICY,
    RESCUE_ID,
    SC,
    SC_DISPATCHER,
    SC_FUND,
    SC_POLICE,
    T0,
    UNINSURED_CAR,
    WATCHER,
    YU,
    YU_HOSPITAL,
    YU_POLICE,
    Step,
    admit,
    arrive,
    close,
    confirm,
    dispatch_medical,
    dispatch_police,
    drive,
    eod,
    in_status,
    notify_fund,
    notify_insurer,
    open_rescue,
    replay,
    report,
    review,
    state,
    types_of,
)
from xborder.domain.actors import Actor, Role
from xborder.domain.calendar import CST
from xborder.domain.cases import Deadline
from xborder.domain.errors import (
    CaseNotFound,
    ConcurrentConflict,
    DomainError,
    InvalidValue,
    NotPermitted,
    RuleViolation,
    TransitionNotAllowed,
)
from xborder.domain.money import Money
from xborder.infra.contracts import Envelope, envelope_from_event
from xborder.workflows.hit_and_run.aggregate import HitAndRunCase, Place
from xborder.workflows.rescue.aggregate import (
    MEDICAL,
    POLICE,
    Casualty,
    JointRescue,
    RescueReport,
    RescueStatus,
    Severity,
    hit_and_run_id_for,
)
from xborder.workflows.rescue.contract import EVENT_SCHEMAS
from xborder.workflows.rescue.funding import FundReason
from xborder.workflows.rescue.process import RescueHitAndRunProcess, incident_from_rescue

S = RescueStatus
M = timedelta(minutes=1)
LATER = T0 + timedelta(hours=3)
MIXED = report(vehicles=(PICC_CAR, UNINSURED_CAR))  # one insured car, one without 交强险
FLED = report(driver_fled=True, vehicles=(PICC_CAR,))
NO_VEHICLES = report(vehicles=())

# Opened Fri 2026-11-20 15:00: the first day is not counted; Sat 11-21 / Sun 11-22 are not working
# days; Mon 11-23, Tue 11-24, Wed 11-25 are days 1-3 -> fund_notice due Wed 2026-11-25 23:59:59 CST.
NOTICE_DUE = eod(2026, 11, 25)
# Fund notified the same Friday: Mon 11-23 .. Fri 11-27 are days 1-5 -> fund_review due Fri 11-27.
REVIEW_DUE = eod(2026, 11, 27)


def expect_refusal(
    r: JointRescue, error: type[DomainError], command: Callable[[], object], code: str | None = None
) -> DomainError:
    """The command is refused with exactly `error` (and `code`) and leaves nothing behind."""
    before = state(r)
    pending = len(r.pending_events)
    with pytest.raises(error) as caught:
        command()
    assert type(caught.value) is error
    if code is not None:
        assert caught.value.code == code
    assert len(r.pending_events) == pending
    assert state(r) == before
    return caught.value


def fresh(what: RescueReport | None = None, steps: Sequence[Step] = ()) -> JointRescue:
    """A rescue of `what` after `steps` (ten minutes apart), with its events already collected."""
    r = open_rescue(what=what)
    drive(r, steps)
    r.collect_events()
    return r


# ===================================================================== opening
def test_open_records_the_report_and_only_the_accident_province() -> None:
    r = open_rescue()
    assert r.id == RESCUE_ID
    assert (r.status, r.version) == (S.OPEN, 1)
    assert isinstance(r.status, RescueStatus)
    assert r.roles == {YU: "accident"}
    assert r.provinces == [YU]
    assert r.accident == YU
    assert r.driver_fled is False
    assert r.casualty_refs == ["P1", "P2"]
    assert r.vehicles == [PICC_CAR, CPIC_CAR]
    assert (r.police, r.medical, r.police_arrived, r.admitted) == (None, None, False, False)
    assert (r.insurers, r.fund_notified, r.fund_reviewed, r.funding) == ({}, False, False, None)
    # Both cars insured and the drivers known: the insurers pay, no fund clock.
    assert r.deadlines == {}

    (opened,) = r.collect_events()
    assert type(opened).__name__ == "RescueOpened"
    assert opened.originator_version == 1
    assert (opened.at, opened.actor) == (T0, DISPATCHER.as_dict())
    assert (opened.provinces, opened.joined, opened.opens, opened.closes) == ([YU], [], {}, [])
    assert (opened.accident, opened.occurred_at, opened.driver_fled) == (YU, OCCURRED, False)
    assert opened.place == {
        "province": YU,
        "road": "G75 兰海高速 (渝川界)",
        "km": 2101.3,
        "lat": 30.02,
        "lon": 106.28,
    }
    assert opened.casualties == [
        {"ref": "P1", "severity": "serious", "medical_notes": NOTES["P1"]},
        {"ref": "P2", "severity": "minor", "medical_notes": NOTES["P2"]},
    ]
    assert opened.vehicles == [
        {"plate": "渝A12345", "insurer": "PICC", "policy": "PDZA2026500000012345"},
        {"plate": "川A54321", "insurer": "CPIC", "policy": "PDZA2026510000054321"},
    ]
    assert opened.hit_and_run_id is None
    assert state(replay([opened])) == state(r)


@pytest.mark.parametrize(
    ("what", "opens"),
    [
        (report(), {}),
        (report(vehicles=(PICC_CAR,)), {}),
        (MIXED, {"fund_notice": NOTICE_DUE}),
        (report(vehicles=(NO_POLICY_CAR,)), {"fund_notice": NOTICE_DUE}),
        (NO_VEHICLES, {"fund_notice": NOTICE_DUE}),
        (FLED, {"fund_notice": NOTICE_DUE}),
        (report(driver_fled=True, vehicles=()), {"fund_notice": NOTICE_DUE}),
    ],
    ids=["all_insured", "one_insured", "mixed", "policy_missing", "no_vehicles", "fled", "fled_no_vehicles"],
)
def test_fund_notice_clock_runs_only_when_the_route_needs_the_fund(
    what: RescueReport, opens: dict[str, datetime]
) -> None:
    r = open_rescue(what=what)
    (opened,) = r.collect_events()
    assert opened.opens == opens
    assert r.deadlines == {name: Deadline(name, due) for name, due in opens.items()}


def test_fund_notice_due_three_working_days_across_national_day() -> None:
    eve = datetime(2026, 9, 30, 10, 0, tzinfo=CST)  # Wed, the eve of 国庆
    r = open_rescue(eve, what=replace(MIXED, occurred_at=eve - 10 * M))
    # 10-01..10-07 are 国庆 holidays; Thu 10-08 day 1, Fri 10-09 day 2, Sat 10-10 (a 调休 make-up
    # workday) day 3 -> due Sat 2026-10-10 23:59:59.
    assert r.deadlines == {"fund_notice": Deadline("fund_notice", eod(2026, 10, 10))}


@pytest.mark.parametrize("fled", [True, False])
def test_hit_and_run_id_is_set_exactly_when_the_driver_fled(fled: bool) -> None:
    r = open_rescue(what=report(driver_fled=fled))
    (opened,) = r.collect_events()
    assert r.driver_fled is fled
    if fled:
        assert opened.hit_and_run_id == hit_and_run_id_for(RESCUE_ID)
        assert isinstance(opened.hit_and_run_id, UUID)
        assert opened.hit_and_run_id != RESCUE_ID
    else:
        assert opened.hit_and_run_id is None


def test_hit_and_run_id_is_deterministic() -> None:
    again = open_rescue(what=FLED).collect_events()[0]
    once_more = open_rescue(what=FLED).collect_events()[0]
    assert again.hit_and_run_id == once_more.hit_and_run_id == hit_and_run_id_for(RESCUE_ID)
    assert hit_and_run_id_for(UUID(str(RESCUE_ID))) == hit_and_run_id_for(RESCUE_ID)
    other = uuid4()
    assert hit_and_run_id_for(other) != hit_and_run_id_for(RESCUE_ID)
    # Without a given id the rescue gets a fresh one, and the link follows it.
    r = JointRescue.open(FLED, actor=DISPATCHER, at=T0, policy=POLICY)
    assert r.id != RESCUE_ID
    assert r.collect_events()[0].hit_and_run_id == hit_and_run_id_for(r.id)


@pytest.mark.parametrize(
    "actor",
    [YU_POLICE, SC_POLICE, HOSPITAL, PICC, FUND, WATCHER, Actor("owner", YU, Role.OWNER)],
    ids=lambda a: a.sub,
)
def test_only_a_dispatch_centre_opens(actor: Actor) -> None:
    with pytest.raises(NotPermitted) as caught:
        open_rescue(actor=actor)
    assert caught.value.code == "auth.forbidden"


def test_a_dispatcher_without_a_province_cannot_open() -> None:
    with pytest.raises(NotPermitted):
        open_rescue(actor=Actor("nowhere", None, Role.DISPATCHER))


def test_the_opening_dispatch_centre_is_the_accident_province() -> None:
    r = open_rescue(actor=Actor("gz-120", GUI, Role.DISPATCHER))
    assert r.roles == {GUI: "accident"}
    assert r.collect_events()[0].place["province"] == GUI


@pytest.mark.parametrize(
    ("what", "code"),
    [
        (report(occurred_at=T0 + M), "incident.occurred_in_future"),
        (report(occurred_at=datetime(2026, 11, 20, 14, 52)), "incident.occurred_in_future"),  # naive
        (
            report(casualties=(*CASUALTIES, Casualty("P1", Severity.DEAD, ""))),
            "casualties.duplicate_ref",
        ),
    ],
    ids=["in_the_future", "naive", "duplicate_ref"],
)
def test_open_refuses_a_bad_report(what: RescueReport, code: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        open_rescue(what=what)
    assert caught.value.code == code


def test_an_accident_at_the_moment_of_opening_is_fine() -> None:
    assert open_rescue(what=report(occurred_at=T0)).status == S.OPEN


# ===================================================================== the flow
def test_the_flow_insurer_then_fund_over_the_limit() -> None:
    r = open_rescue()
    events = list(r.collect_events())
    at = T0

    def step(offset: timedelta, command: Step) -> list[Any]:
        nonlocal at
        at = T0 + offset
        command(r, at)
        new = r.collect_events()
        assert all(e.at == at for e in new)
        events.extend(new)
        assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
        return new

    (police,) = step(5 * M, dispatch_police(SC))
    assert type(police).__name__ == "PoliceDispatched"
    assert (police.unit, police.province) == ("四川高速公路交警六支队三大队", SC)
    assert (police.provinces, police.joined) == ([YU, SC], [SC])
    assert r.roles == {YU: "accident", SC: "responder"}
    assert r.status == S.RESPONDING

    (medical,) = step(6 * M, dispatch_medical(SC))
    assert (medical.hospital, medical.province) == ("广安市人民医院", SC)
    assert (medical.provinces, medical.joined) == ([YU, SC], [])  # 川 is already in
    assert r.status == S.RESPONDING

    (arrived,) = step(23 * M, arrive())
    assert type(arrived).__name__ == "PoliceArrived"
    assert arrived.response_seconds == 18 * 60  # arrival - dispatch
    assert arrived.actor == SC_POLICE.as_dict()
    assert r.police_arrived is True
    assert r.status == S.RESPONDING

    (admitted,) = step(46 * M, admit(["P2", "P1"]))
    assert type(admitted).__name__ == "PatientsAdmitted"
    assert admitted.patients == ["P1", "P2"]
    assert admitted.response_seconds == 40 * 60  # admission - medical dispatch
    assert r.status == S.PATIENTS_ADMITTED

    (notified,) = step(60 * M, notify_insurer(PICC_CAR, YU_POLICE))
    assert type(notified).__name__ == "InsurerNotified"
    assert (notified.insurer, notified.policy) == ("PICC", "PDZA2026500000012345")
    assert r.insurers == {"PICC": None}
    assert r.status == S.PATIENTS_ADMITTED
    assert r.is_visible_to(PICC) and not r.is_visible_to(CPIC)

    (confirmed,) = step(90 * M, confirm(PICC, 18_000, True))
    assert type(confirmed).__name__ == "InsurerAdvanceConfirmed"
    assert (confirmed.insurer, confirmed.amount, confirmed.at_fault) == ("PICC", 18_000, True)
    assert confirmed.actor == PICC.as_dict()
    assert r.insurers == {"PICC": 18_000}
    assert r.status == S.FUNDING_CONFIRMED

    (fund,) = step(120 * M, notify_fund(FundReason.OVER_LIMIT))
    assert type(fund).__name__ == "FundNotified"
    assert fund.reason == "over_limit"
    assert (fund.closes, fund.opens) == (["fund_notice"], {"fund_review": REVIEW_DUE})
    assert r.deadlines == {"fund_review": Deadline("fund_review", REVIEW_DUE)}
    assert r.fund_notified is True

    (paid,) = step(timedelta(days=1), review(True, 9_500))
    assert type(paid).__name__ == "FundAdvancePaid"
    assert (paid.amount, paid.closes) == (9_500, ["fund_review"])
    assert (r.status, r.deadlines, r.fund_reviewed) == (S.FUNDING_CONFIRMED, {}, True)

    (closed,) = step(timedelta(days=2), close)
    assert type(closed).__name__ == "RescueClosed"
    assert (r.status, r.deadlines) == (S.CLOSED, {})
    assert r.is_terminal

    assert types_of(events) == [
        "RescueOpened",
        "PoliceDispatched",
        "MedicalDispatched",
        "PoliceArrived",
        "PatientsAdmitted",
        "InsurerNotified",
        "InsurerAdvanceConfirmed",
        "FundNotified",
        "FundAdvancePaid",
        "RescueClosed",
    ]
    assert [e.provinces for e in events] == [[YU]] + [[YU, SC]] * 9
    assert [e.actor["province"] for e in events] == [YU, YU, YU, SC, SC, YU, YU, YU, YU, YU]
    assert state(replay(events)) == state(r)


def test_dispatching_a_unit_of_the_accident_province_joins_nobody() -> None:
    r = fresh()
    dispatch_police(YU)(r, LATER)
    dispatch_medical(YU)(r, LATER + M)
    police, medical = r.collect_events()
    assert (police.joined, police.provinces) == ([], [YU])
    assert (medical.joined, medical.provinces) == ([], [YU])
    assert r.roles == {YU: "accident"}  # the accident province stays the accident province
    assert r.status == S.RESPONDING
    # Its own police then report the arrival.
    arrive(YU_POLICE)(r, LATER + 10 * M)
    assert r.collect_events()[0].response_seconds == 10 * 60


def test_units_of_two_other_provinces_each_join() -> None:
    r = fresh()
    dispatch_police(SC)(r, LATER)
    dispatch_medical(GUI)(r, LATER + M)
    police, medical = r.collect_events()
    assert police.joined == [SC]
    assert (medical.joined, medical.provinces) == ([GUI], [YU, SC, GUI])
    assert r.roles == {YU: "accident", SC: "responder", GUI: "responder"}
    assert r.provinces == [YU, SC, GUI]


def test_medical_dispatch_alone_is_responding() -> None:
    r = fresh(steps=[dispatch_medical(SC)])
    assert r.status == S.RESPONDING
    assert r.roles == {YU: "accident", SC: "responder"}


def test_dispatch_refusals() -> None:
    r = fresh()
    expect_refusal(r, InvalidValue, lambda: r.dispatch_police("unit", "999999", actor=DISPATCHER, at=LATER))
    err = expect_refusal(
        r, RuleViolation, lambda: r.dispatch_medical("  ", SC, actor=DISPATCHER, at=LATER), "field.missing"
    )
    assert err.field == "hospital"
    err = expect_refusal(
        r, RuleViolation, lambda: r.dispatch_police("", SC, actor=DISPATCHER, at=LATER), "field.missing"
    )
    assert err.field == "unit"
    dispatch_police(SC)(r, LATER)
    dispatch_medical(SC)(r, LATER)
    r.collect_events()
    expect_refusal(r, TransitionNotAllowed, lambda: dispatch_police(GUI)(r, LATER + M))
    expect_refusal(r, TransitionNotAllowed, lambda: dispatch_medical(GUI)(r, LATER + M))


def test_unit_names_are_trimmed() -> None:
    r = fresh()
    r.dispatch_police("  川高速六支队  ", SC, actor=DISPATCHER, at=LATER)
    assert r.collect_events()[0].unit == "川高速六支队"


def test_response_times_never_negative() -> None:
    r = fresh(steps=[dispatch_police(SC), dispatch_medical(SC)])  # at T0 + 10 min and T0 + 20 min
    arrive()(r, T0 + 9 * M)  # a clock slightly behind the dispatcher's
    admit()(r, T0 + 30 * M)
    arrived, admitted = r.collect_events()
    assert (arrived.response_seconds, admitted.response_seconds) == (0, 10 * 60)


def test_arrival_refusals() -> None:
    r = fresh()
    expect_refusal(r, TransitionNotAllowed, lambda: arrive(YU_POLICE)(r, LATER))  # no unit dispatched
    expect_refusal(r, CaseNotFound, lambda: arrive(SC_POLICE)(r, LATER))  # 川 is not involved yet
    dispatch_police(SC)(r, LATER)
    arrive()(r, LATER + M)
    r.collect_events()
    expect_refusal(r, TransitionNotAllowed, lambda: arrive()(r, LATER + 2 * M))  # already recorded


def test_admission_only_of_known_casualties() -> None:
    r = fresh(steps=[dispatch_medical(SC)])
    for patients in (["P1", "P9"], ["P9"], [], ["p1"]):
        err = expect_refusal(r, RuleViolation, lambda p=patients: admit(p)(r, LATER), "patients.invalid")
        assert err.field == "patients"
    admit(["P2", "P2"])(r, LATER)
    (admitted,) = r.collect_events()
    assert admitted.patients == ["P2"]
    assert r.status == S.PATIENTS_ADMITTED
    expect_refusal(r, TransitionNotAllowed, lambda: admit()(r, LATER + M))  # already recorded


def test_admission_needs_a_dispatched_hospital() -> None:
    r = fresh(steps=[dispatch_police(SC)])
    expect_refusal(r, TransitionNotAllowed, lambda: admit()(r, LATER))


# ================================================================ insurer notice
def test_insurer_notice_for_each_insured_vehicle() -> None:
    r = fresh()
    notify_insurer(PICC_CAR)(r, LATER)
    notify_insurer(CPIC_CAR, YU_POLICE)(r, LATER + M)
    first, second = r.collect_events()
    assert (first.insurer, second.insurer) == ("PICC", "CPIC")
    assert second.actor == YU_POLICE.as_dict()
    assert r.insurers == {"PICC": None, "CPIC": None}
    assert r.status == S.OPEN  # a notice decides nothing
    expect_refusal(r, TransitionNotAllowed, lambda: notify_insurer(PICC_CAR)(r, LATER + 2 * M))


@pytest.mark.parametrize(
    ("what", "insurer", "policy"),
    [
        (report(), "PICC", "PDZA2026510000054321"),  # CPIC's policy under PICC's name
        (report(), "PICC", ""),
        (report(), "PINGAN", "PDZA2026500000012345"),  # covers no vehicle of this rescue
        (MIXED, "CPIC", "PDZA2026510000054321"),  # not a vehicle of this rescue
        (report(vehicles=(NO_POLICY_CAR,)), "PINGAN", ""),  # an insurer without a policy
        (report(vehicles=(NO_INSURER_CAR,)), "", "PDZA2026500000099999"),
        (FLED, "PICC", "PDZA2026500000012345"),  # the driver fled: the fund pays
        (NO_VEHICLES, "PICC", "PDZA2026500000012345"),
    ],
    ids=[
        "other_policy",
        "no_policy",
        "unrelated_insurer",
        "vehicle_not_in_rescue",
        "vehicle_without_policy",
        "vehicle_without_insurer",
        "fled_driver",
        "no_vehicles",
    ],
)
def test_insurer_notice_only_for_an_insured_vehicle_with_a_known_driver(
    what: RescueReport, insurer: str, policy: str
) -> None:
    r = fresh(what)
    err = expect_refusal(
        r,
        RuleViolation,
        lambda: r.notify_insurer(insurer, policy, actor=DISPATCHER, at=LATER),
        "insurer.not_applicable",
    )
    assert err.field == "insurer"


def test_the_insured_vehicle_of_a_mixed_rescue_is_notified() -> None:
    r = fresh(MIXED)
    notify_insurer(PICC_CAR)(r, LATER)
    assert r.insurers == {"PICC": None}


# ================================================================ insurer advance
@pytest.mark.parametrize(
    ("amount", "at_fault", "code"),
    [
        (18_000, True, None),
        (1, True, None),
        (18_001, True, "insurer.advance_over_limit"),
        (1_800, False, None),
        (1, False, None),
        (1_801, False, "insurer.advance_over_limit"),
        (18_000, False, "insurer.advance_over_limit"),
        (0, True, "insurer.advance_invalid"),
        (0, False, "insurer.advance_invalid"),
    ],
)
def test_advance_within_the_medical_limit(amount: int, at_fault: bool, code: str | None) -> None:
    r = fresh(steps=[notify_insurer(PICC_CAR)])
    if code is not None:
        err = expect_refusal(r, RuleViolation, lambda: confirm(PICC, amount, at_fault)(r, LATER), code)
        assert err.field == "amount"
        assert r.insurers == {"PICC": None}
        assert r.status == S.OPEN
        return
    confirm(PICC, amount, at_fault)(r, LATER)
    (event,) = r.collect_events()
    assert (event.insurer, event.amount, event.at_fault) == ("PICC", amount, at_fault)
    assert r.insurers == {"PICC": amount}
    assert (r.status, r.funding) == (S.FUNDING_CONFIRMED, S.FUNDING_CONFIRMED)


def test_a_second_confirmation_is_refused_but_another_insurer_may_confirm() -> None:
    r = fresh(steps=[notify_insurer(PICC_CAR), notify_insurer(CPIC_CAR), confirm(PICC, 10_000)])
    expect_refusal(r, TransitionNotAllowed, lambda: confirm(PICC, 100)(r, LATER))
    expect_refusal(r, TransitionNotAllowed, lambda: confirm(PICC, 20_000)(r, LATER))
    confirm(CPIC, 1_800, False)(r, LATER)
    assert r.insurers == {"PICC": 10_000, "CPIC": 1_800}


# =================================================================== fund notice
REASON_CASES: list[tuple[str, RescueReport, Sequence[Step], FundReason, bool]] = [
    ("fled_driver_fled", FLED, (), FundReason.DRIVER_FLED, True),
    ("fled_no_vehicles_driver_fled", report(driver_fled=True, vehicles=()), (), FundReason.DRIVER_FLED, True),
    ("fled_uninsured", FLED, (), FundReason.UNINSURED, False),
    (
        "fled_uninsured_vehicle",
        report(driver_fled=True, vehicles=(UNINSURED_CAR,)),
        (),
        FundReason.UNINSURED,
        False,
    ),
    ("fled_over_limit", FLED, (), FundReason.OVER_LIMIT, False),
    ("insured_driver_fled", report(), (), FundReason.DRIVER_FLED, False),
    ("insured_uninsured", report(), (), FundReason.UNINSURED, False),
    ("mixed_uninsured", MIXED, (), FundReason.UNINSURED, True),
    ("mixed_driver_fled", MIXED, (), FundReason.DRIVER_FLED, False),
    ("policy_missing_uninsured", report(vehicles=(PICC_CAR, NO_POLICY_CAR)), (), FundReason.UNINSURED, True),
    ("no_vehicles_uninsured", NO_VEHICLES, (), FundReason.UNINSURED, True),
    ("no_vehicles_driver_fled", NO_VEHICLES, (), FundReason.DRIVER_FLED, False),
    ("over_limit_before_any_notice", report(), (), FundReason.OVER_LIMIT, False),
    ("over_limit_notified_not_confirmed", report(), (notify_insurer(),), FundReason.OVER_LIMIT, False),
    ("over_limit_after_advance", report(), (notify_insurer(), confirm()), FundReason.OVER_LIMIT, True),
    (
        "over_limit_after_small_advance",
        MIXED,
        (notify_insurer(), confirm(PICC, 500, False)),
        FundReason.OVER_LIMIT,
        True,
    ),
]


@pytest.mark.parametrize(
    ("what", "steps", "reason", "allowed"),
    [case[1:] for case in REASON_CASES],
    ids=[case[0] for case in REASON_CASES],
)
def test_fund_notice_reasons(
    what: RescueReport, steps: Sequence[Step], reason: FundReason, allowed: bool
) -> None:
    r = fresh(what, steps)
    if not allowed:
        err = expect_refusal(
            r, RuleViolation, lambda: notify_fund(reason)(r, LATER), "fund.reason_not_applicable"
        )
        assert err.field == "reason"
        assert r.fund_notified is False
        return
    notify_fund(reason)(r, LATER)
    (event,) = r.collect_events()
    assert event.reason == reason.value
    assert r.fund_notified is True


def test_notifying_the_fund_swaps_the_notice_clock_for_the_review_clock() -> None:
    r = fresh(MIXED)
    assert r.deadlines == {"fund_notice": Deadline("fund_notice", NOTICE_DUE)}
    notify_fund(FundReason.UNINSURED, YU_POLICE)(r, datetime(2026, 11, 23, 10, 0, tzinfo=CST))  # Mon
    (event,) = r.collect_events()
    # Notified Mon 11-23: Tue 11-24 .. Mon 11-30 are days 1-5 -> due Mon 2026-11-30 23:59:59.
    assert (event.closes, event.opens) == (["fund_notice"], {"fund_review": eod(2026, 11, 30)})
    assert event.actor == YU_POLICE.as_dict()
    assert r.deadlines == {"fund_review": Deadline("fund_review", eod(2026, 11, 30))}
    assert r.status == S.OPEN  # a notice decides nothing
    expect_refusal(r, TransitionNotAllowed, lambda: notify_fund(FundReason.UNINSURED)(r, LATER))


def test_fund_review_due_five_working_days_across_national_day() -> None:
    eve = datetime(2026, 9, 30, 9, 0, tzinfo=CST)
    r = open_rescue(eve, what=replace(FLED, occurred_at=eve - 10 * M))
    notify_fund(FundReason.DRIVER_FLED)(r, datetime(2026, 9, 30, 10, 0, tzinfo=CST))  # Wed
    # 10-01..10-07 国庆; Thu 10-08, Fri 10-09, Sat 10-10 (调休 workday) days 1-3; Sun 10-11 off;
    # Mon 10-12 day 4, Tue 10-13 day 5 -> due Tue 2026-10-13 23:59:59.
    assert r.deadlines == {"fund_review": Deadline("fund_review", eod(2026, 10, 13))}


# =================================================================== fund review
def test_fund_approval_pays_and_confirms_the_funding() -> None:
    r = fresh(FLED, [notify_fund(FundReason.DRIVER_FLED)])
    review(True, 30_000)(r, LATER)
    (paid,) = r.collect_events()
    assert type(paid).__name__ == "FundAdvancePaid"
    assert (paid.amount, paid.actor, paid.closes) == (30_000, FUND.as_dict(), ["fund_review"])
    assert (r.status, r.deadlines, r.fund_reviewed) == (S.FUNDING_CONFIRMED, {}, True)
    expect_refusal(r, TransitionNotAllowed, lambda: review(False)(r, LATER + M))


def test_an_approved_advance_needs_an_amount() -> None:
    r = fresh(FLED, [notify_fund(FundReason.DRIVER_FLED)])
    err = expect_refusal(r, RuleViolation, lambda: review(True, 0)(r, LATER), "fund.amount_invalid")
    assert err.field == "amount"
    assert r.fund_reviewed is False


@pytest.mark.parametrize("amount", [0, 5_000])
def test_fund_denial(amount: int) -> None:
    r = fresh(MIXED, [notify_fund(FundReason.UNINSURED)])
    review(False, amount)(r, LATER)
    (denied,) = r.collect_events()
    assert type(denied).__name__ == "FundAdvanceDenied"
    assert denied.closes == ["fund_review"]
    assert (r.status, r.deadlines, r.funding) == (S.FUNDING_DENIED, {}, S.FUNDING_DENIED)
    expect_refusal(r, TransitionNotAllowed, lambda: review(True)(r, LATER + M))


def test_no_review_before_the_fund_is_notified() -> None:
    r = fresh(FLED)
    expect_refusal(r, TransitionNotAllowed, lambda: review()(r, LATER))


# ======================================================================== closing
def test_close_stops_every_clock() -> None:
    r = fresh(MIXED)
    assert set(r.deadlines) == {"fund_notice"}
    close(r, LATER)
    (closed,) = r.collect_events()
    assert closed.closes == ["fund_notice"]
    assert (r.status, r.deadlines) == (S.CLOSED, {})

    r = fresh(MIXED, [notify_fund(FundReason.UNINSURED)])
    close(r, LATER)
    assert r.collect_events()[0].closes == ["fund_review"]
    assert r.deadlines == {}


AFTER_CLOSING: dict[str, Step] = {
    "dispatch_police": dispatch_police(SC),
    "dispatch_medical": dispatch_medical(SC),
    "arrive": arrive(),
    "admit": admit(),
    "notify_insurer": notify_insurer(CPIC_CAR),
    "confirm": confirm(CPIC, 100, False),
    "notify_fund": notify_fund(FundReason.UNINSURED),
    "notify_fund_over_limit": notify_fund(FundReason.OVER_LIMIT),
    "review_paid": review(True),
    "review_denied": review(False),
    "close": close,
}


@pytest.mark.parametrize("command", list(AFTER_CLOSING))
def test_nothing_after_closing(command: str) -> None:
    """Every command that would be allowed just before closing is refused after it."""
    what = report(vehicles=(PICC_CAR, CPIC_CAR, UNINSURED_CAR))
    before_close: dict[str, Sequence[Step]] = {
        "arrive": [dispatch_police(SC)],
        "admit": [dispatch_medical(SC)],
        "confirm": [notify_insurer(CPIC_CAR)],
        "notify_fund_over_limit": [notify_insurer(PICC_CAR), confirm(PICC, 100)],
        "review_paid": [notify_fund(FundReason.UNINSURED)],
        "review_denied": [notify_fund(FundReason.UNINSURED)],
    }
    steps = before_close.get(command, [])
    # the counterpart: just before closing, the command goes through
    allowed = fresh(what, steps)
    AFTER_CLOSING[command](allowed, LATER)
    assert len(allowed.collect_events()) == 1

    r = fresh(what, [*steps, close])
    version = r.version
    expect_refusal(r, TransitionNotAllowed, lambda: AFTER_CLOSING[command](r, LATER))
    assert (r.status, r.version) == (S.CLOSED, version)


# ============================================================= status derivation
@pytest.mark.parametrize(
    ("steps", "status"),
    [
        ([], S.OPEN),
        ([notify_insurer()], S.OPEN),
        ([dispatch_police()], S.RESPONDING),
        ([dispatch_medical()], S.RESPONDING),
        ([dispatch_police(), arrive()], S.RESPONDING),
        ([dispatch_medical(), admit()], S.PATIENTS_ADMITTED),
        # admission wins over a dispatch that comes after it
        ([dispatch_medical(), admit(), dispatch_police()], S.PATIENTS_ADMITTED),
        ([dispatch_medical(), admit(), dispatch_police(), arrive()], S.PATIENTS_ADMITTED),
        # a decided funding wins over everything that comes after it
        ([notify_insurer(), confirm()], S.FUNDING_CONFIRMED),
        ([notify_insurer(), confirm(), dispatch_police()], S.FUNDING_CONFIRMED),
        ([notify_insurer(), confirm(), dispatch_medical(), admit()], S.FUNDING_CONFIRMED),
        ([dispatch_medical(), admit(), notify_insurer(), confirm()], S.FUNDING_CONFIRMED),
        # the latest funding decision counts
        ([notify_insurer(), confirm(), notify_fund(FundReason.OVER_LIMIT), review(False)], S.FUNDING_DENIED),
        (
            [
                notify_insurer(),
                confirm(),
                notify_fund(FundReason.OVER_LIMIT),
                review(False),
                dispatch_medical(),
                admit(),
            ],
            S.FUNDING_DENIED,
        ),
        (
            [notify_insurer(), confirm(), notify_fund(FundReason.OVER_LIMIT), review(True)],
            S.FUNDING_CONFIRMED,
        ),
        ([notify_insurer(), confirm(), close], S.CLOSED),
    ],
    ids=lambda v: "-".join(getattr(s, "__name__", "?") for s in v) if isinstance(v, list) else str(v),
)
def test_status_is_the_furthest_milestone(steps: Sequence[Step], status: S) -> None:
    r = fresh(steps=steps)
    assert r.status == status
    assert isinstance(r.status, RescueStatus)


@pytest.mark.parametrize(
    ("funding", "admitted", "police", "medical", "status"),
    [
        (None, False, False, False, S.OPEN),
        (None, False, True, False, S.RESPONDING),
        (None, False, False, True, S.RESPONDING),
        (None, True, True, True, S.PATIENTS_ADMITTED),
        (S.FUNDING_CONFIRMED, False, False, False, S.FUNDING_CONFIRMED),
        (S.FUNDING_DENIED, True, True, True, S.FUNDING_DENIED),
        (S.FUNDING_CONFIRMED, True, True, False, S.FUNDING_CONFIRMED),
    ],
)
def test_refresh_status_table(
    funding: S | None, admitted: bool, police: bool, medical: bool, status: S
) -> None:
    r = open_rescue()
    r.funding = funding
    r.units = {service: (SC, T0) for service, sent in ((POLICE, police), (MEDICAL, medical)) if sent}
    r.reported = {MEDICAL} if admitted else set()
    r.refresh_status()
    assert r.status == status


# ================================================================= authorization
def _as(r: JointRescue, command: str, actor: Actor, at: datetime) -> None:
    if command == "dispatch_police":
        r.dispatch_police("某大队", GUI, actor=actor, at=at)
    elif command == "dispatch_medical":
        r.dispatch_medical("某医院", GUI, actor=actor, at=at)
    elif command == "report_arrival":
        r.report_police_arrival(actor=actor, at=at)
    elif command == "admit":
        r.admit_patients(["P1"], actor=actor, at=at)
    elif command == "notify_insurer":
        r.notify_insurer("PICC", "PDZA2026500000012345", actor=actor, at=at)
    elif command == "confirm":
        r.confirm_insurer_advance(Money(1_000), True, actor=actor, at=at)
    elif command == "notify_fund":
        r.notify_fund(FundReason.UNINSURED, actor=actor, at=at, policy=POLICY)
    elif command == "review_fund":
        r.review_fund(True, Money(1_000), actor=actor, at=at)
    else:
        assert command == "close"
        r.close(actor=actor, at=at)


# The mixed rescue (PICC car + uninsured car) with 川's police unit dispatched, so 川 is involved, PICC
# mostly notified (so it sees the case), and whatever else the command needs to be allowed: only the
# actor can be what refuses it.
SETUP: dict[str, Sequence[Step]] = {
    "dispatch_medical": [dispatch_police(SC)],
    "report_arrival": [dispatch_police(SC)],
    "admit": [dispatch_police(SC), dispatch_medical(SC), notify_insurer(PICC_CAR)],
    "notify_insurer": [dispatch_police(SC)],
    "confirm": [dispatch_police(SC), notify_insurer(PICC_CAR)],
    "notify_fund": [dispatch_police(SC), notify_insurer(PICC_CAR)],
    "review_fund": [dispatch_police(SC), notify_insurer(PICC_CAR), notify_fund(FundReason.UNINSURED)],
    "close": [dispatch_police(SC), notify_insurer(PICC_CAR)],
    "dispatch_police": [dispatch_medical(SC)],
}
RIGHT: dict[str, list[Actor]] = {
    "dispatch_police": [DISPATCHER],
    "dispatch_medical": [DISPATCHER],
    "report_arrival": [SC_POLICE],
    "admit": [HOSPITAL],
    "notify_insurer": [DISPATCHER, YU_POLICE],
    "confirm": [PICC],
    "notify_fund": [DISPATCHER, YU_POLICE],
    "review_fund": [FUND],
    "close": [DISPATCHER],
}
PICC_IN_HU = Actor("picc-hu", HU, Role.INSURER, org="PICC")  # the notified org, but of another province

AUTH_CASES: list[tuple[str, str, Actor, type[DomainError]]] = [
    # arrival: by the dispatched unit's province only, not the accident province's police
    ("arrival_by_accident_police", "report_arrival", YU_POLICE, NotPermitted),
    ("arrival_by_dispatcher", "report_arrival", DISPATCHER, NotPermitted),
    ("arrival_by_hospital", "report_arrival", HOSPITAL, NotPermitted),
    # admission: by the dispatched hospital's province, and only by a medical role
    *(
        (f"admit_by_{a.sub}", "admit", a, NotPermitted)
        for a in (DISPATCHER, SC_POLICE, YU_POLICE, FUND, SC_DISPATCHER, YU_HOSPITAL)
    ),
    # insurers: only the notified one, of the involved province, sees the case at all
    *(
        (f"confirm_by_{a.sub}", "confirm", a, CaseNotFound)
        for a in (CPIC, PINGAN, NO_ORG_INSURER, PICC_IN_HU)
    ),
    *((f"{c}_by_notified_insurer", c, PICC, NotPermitted) for c in ("notify_fund", "review_fund", "close")),
    ("admit_by_notified_insurer", "admit", PICC, NotPermitted),
    # the fund review is the accident province's fund's
    *(
        (f"review_by_{a.sub}", "review_fund", a, NotPermitted)
        for a in (DISPATCHER, YU_POLICE, SC_FUND, SC_POLICE)
    ),
    # notices are the accident province's police or dispatch centre's
    *(
        (f"{c}_by_{a.sub}", c, a, NotPermitted)
        for c in ("notify_insurer", "notify_fund")
        for a in (SC_POLICE, SC_DISPATCHER, FUND, HOSPITAL)
    ),
    # dispatch and closing are the accident province's dispatch centre's
    *(
        (f"{c}_by_{a.sub}", c, a, NotPermitted)
        for c in ("dispatch_police", "dispatch_medical", "close")
        for a in (YU_POLICE, SC_DISPATCHER, FUND, SC_POLICE)
    ),
    # a province not involved, and the deadline watcher, cannot even see the case
    *((f"{c}_by_{a.sub}", c, a, CaseNotFound) for c in RIGHT for a in (HU_POLICE, HU_DISPATCHER, WATCHER)),
    *(
        (f"{c}_by_cpic", c, CPIC, CaseNotFound)
        for c in ("dispatch_police", "report_arrival", "admit", "notify_fund", "review_fund", "close")
    ),
]


@pytest.mark.parametrize(
    ("command", "actor", "error"),
    [case[1:] for case in AUTH_CASES],
    ids=[case[0] for case in AUTH_CASES],
)
def test_authorization(command: str, actor: Actor, error: type[DomainError]) -> None:
    r = fresh(MIXED, SETUP[command])
    expect_refusal(
        r,
        error,
        lambda: _as(r, command, actor, LATER),
        {NotPermitted: "auth.forbidden", CaseNotFound: "case.not_found"}[error],
    )


@pytest.mark.parametrize(
    ("command", "actor"),
    [(c, a) for c, actors in RIGHT.items() for a in actors],
    ids=[f"{c}_by_{a.sub}" for c, actors in RIGHT.items() for a in actors],
)
def test_the_right_actor_may(command: str, actor: Actor) -> None:
    """The counterpart of the table above: each command by its own actor goes through."""
    r = fresh(MIXED, SETUP[command])
    version = r.version
    _as(r, command, actor, LATER)
    assert r.version == version + 1


@pytest.mark.parametrize("actor", [DISPATCHER, YU_POLICE, SC_POLICE, HOSPITAL, FUND], ids=lambda a: a.sub)
def test_only_insurers_confirm_an_advance(actor: Actor) -> None:
    r = fresh(MIXED, [dispatch_police(SC), dispatch_medical(SC), notify_insurer(PICC_CAR)])
    before = state(r)
    with pytest.raises((CaseNotFound, NotPermitted)):
        r.confirm_insurer_advance(Money(1_000), True, actor=actor, at=LATER)
    assert r.pending_events == []
    assert state(r) == before


def test_insurer_visibility_follows_the_notice() -> None:
    r = fresh()
    assert not r.is_visible_to(PICC)
    assert not r.is_visible_to(CPIC)
    notify_insurer(PICC_CAR)(r, LATER)
    assert r.is_visible_to(PICC)
    assert not r.is_visible_to(CPIC)  # another insurer, not notified
    assert not r.is_visible_to(PINGAN)
    assert not r.is_visible_to(NO_ORG_INSURER)
    assert not r.is_visible_to(PICC_IN_HU)  # the same org, in a province not involved
    # a not-notified insurer cannot confirm: it cannot even see the case
    expect_refusal(r, CaseNotFound, lambda: confirm(CPIC, 100, False)(r, LATER + M))
    # other roles: by province
    for actor in (DISPATCHER, YU_POLICE, FUND):
        assert r.is_visible_to(actor)
    assert not r.is_visible_to(SC_POLICE)  # 川 is not involved yet
    dispatch_police(SC)(r, LATER + M)
    assert r.is_visible_to(SC_POLICE)
    assert not r.is_visible_to(HU_POLICE)


# =================================================================== mark_overdue
@pytest.mark.parametrize("what", [FLED, MIXED, NO_VEHICLES], ids=["fled", "mixed", "no_vehicles"])
def test_fund_notice_overdue(what: RescueReport) -> None:
    r = fresh(what)
    version = r.version
    for at in (T0, NOTICE_DUE - timedelta(seconds=1), NOTICE_DUE):
        assert r.mark_overdue("fund_notice", at, WATCHER) is False
    assert r.pending_events == []

    late = NOTICE_DUE + timedelta(seconds=1)
    assert r.mark_overdue("fund_notice", late, WATCHER) is True
    (event,) = r.collect_events()
    assert type(event).__name__ == "FundNoticeOverdue"
    assert isinstance(event, JointRescue.FundNoticeOverdue)
    assert (event.deadline, event.at, event.actor) == ("fund_notice", late, WATCHER.as_dict())
    assert (event.opens, event.closes, event.provinces) == ({}, [], [YU])
    assert r.deadlines == {"fund_notice": Deadline("fund_notice", NOTICE_DUE, overdue=True)}
    assert (r.status, r.version) == (S.OPEN, version + 1)
    # Idempotent: the watcher may call it as often as it likes.
    assert r.mark_overdue("fund_notice", late, WATCHER) is False
    assert r.mark_overdue("fund_notice", late + timedelta(days=5), WATCHER) is False
    assert r.mark_overdue("fund_review", late, WATCHER) is False  # not running yet
    assert r.pending_events == []

    # The notice may still come, late; it closes the clock and starts the review's.
    reason = FundReason.DRIVER_FLED if what.driver_fled else FundReason.UNINSURED
    notify_fund(reason)(r, late + M)
    assert set(r.deadlines) == {"fund_review"}
    assert r.deadlines["fund_review"].overdue is False


def test_fund_review_overdue() -> None:
    r = fresh(FLED, [notify_fund(FundReason.DRIVER_FLED)])
    due = r.deadlines["fund_review"].due
    assert due == REVIEW_DUE
    assert r.mark_overdue("fund_review", due, WATCHER) is False
    assert r.mark_overdue("fund_notice", due + timedelta(days=30), WATCHER) is False  # closed by the notice
    assert r.mark_overdue("fund_review", due + timedelta(seconds=1), WATCHER) is True
    (event,) = r.collect_events()
    assert type(event).__name__ == "FundReviewOverdue"
    assert isinstance(event, JointRescue.FundReviewOverdue)
    assert event.deadline == "fund_review"
    assert r.deadlines == {"fund_review": Deadline("fund_review", due, overdue=True)}
    assert r.status == S.OPEN
    assert r.mark_overdue("fund_review", due + timedelta(days=1), WATCHER) is False
    review(False)(r, due + timedelta(days=2))
    assert (r.status, r.deadlines) == (S.FUNDING_DENIED, {})
    assert r.mark_overdue("fund_review", due + timedelta(days=3), WATCHER) is False


@pytest.mark.parametrize("name", ["fund_notice", "fund_review", "bogus"])
@pytest.mark.parametrize(
    "steps", [[close], [notify_fund(FundReason.UNINSURED), close]], ids=["notice_open", "review_open"]
)
def test_no_overdue_after_closing(name: str, steps: Sequence[Step]) -> None:
    r = fresh(MIXED, steps)
    version = r.version
    assert r.mark_overdue(name, T0 + timedelta(days=400), WATCHER) is False
    assert r.pending_events == []
    assert (r.version, r.status) == (version, S.CLOSED)


def test_no_fund_clock_no_overdue() -> None:
    r = fresh()  # all insured: no fund clock
    for name in ("fund_notice", "fund_review", "bogus"):
        assert r.mark_overdue(name, T0 + timedelta(days=400), WATCHER) is False
    assert r.pending_events == []


# ========================================================================= replay
@pytest.mark.parametrize("status", list(PATHS))
def test_replay_reproduces_every_status(status: S) -> None:
    r = in_status(status)
    events = r.collect_events()
    again = replay(events)
    assert state(again) == state(r)
    assert again.version == len(events)
    assert isinstance(again.status, RescueStatus)


# ========================================================== the process manager
def rescue_opened(what: RescueReport = FLED, *, wire: bool = True) -> Envelope:
    (opened,) = open_rescue(what=what).collect_events()
    envelope = envelope_from_event("JointRescue", opened, EVENT_SCHEMAS)
    return Envelope.from_json_bytes(envelope.to_json_bytes()) if wire else envelope


class FakeHitAndRuns:
    """Stands in for the HitAndRunCases application: records cases; a case id seen before is a
    ConcurrentConflict, as the event store reports it."""

    def __init__(self) -> None:
        self.recorded: list[HitAndRunCase] = []
        self.calls = 0

    def record(self, case: HitAndRunCase) -> HitAndRunCase:
        self.calls += 1
        if any(c.id == case.id for c in self.recorded):
            raise ConcurrentConflict("the case exists already")
        self.recorded.append(case)
        return case


def process_with(fake: FakeHitAndRuns) -> RescueHitAndRunProcess:
    # handle() touches neither the feed nor the database
    return RescueHitAndRunProcess(cast(Any, None), cast(Any, None), cast(Any, fake))


@pytest.mark.parametrize("wire", [True, False], ids=["over_the_wire", "in_process"])
def test_incident_from_rescue(wire: bool) -> None:
    casualties = (
        Casualty("P1", Severity.DEAD, ""),
        Casualty("P2", Severity.CRITICAL, "颅脑损伤"),
        Casualty("P3", Severity.SERIOUS, ""),
        Casualty("P4", Severity.MINOR, ""),
        Casualty("P5", Severity.DEAD, ""),
    )
    envelope = rescue_opened(report(driver_fled=True, casualties=casualties), wire=wire)
    incident = incident_from_rescue(envelope.data)
    assert (incident.dead, incident.injured) == (2, 3)
    assert incident.place == Place("G75 兰海高速 (渝川界)", 2101.3, 30.02, 106.28)
    assert incident.occurred_at == OCCURRED
    assert incident.occurred_at.tzinfo is not None
    assert incident.suspect_vehicle.plate is None


def test_incident_from_rescue_without_casualties_or_coordinates() -> None:
    what = report(driver_fled=True, casualties=(), km=None, lat=None, lon=None, road="S103")
    incident = incident_from_rescue(rescue_opened(what).data)
    assert (incident.dead, incident.injured) == (0, 0)
    assert incident.place == Place("S103", None, None, None)


def test_a_fled_driver_opens_exactly_one_hit_and_run_case_however_often_delivered() -> None:
    fake = FakeHitAndRuns()
    process = process_with(fake)
    envelope = rescue_opened()
    assert process.handle(envelope) is True
    assert process.handle(envelope) is False  # re-delivered: the case is there already
    assert process.handle(Envelope.from_json_bytes(envelope.to_json_bytes())) is False
    assert process.opened == 1
    assert fake.calls == 3
    (case,) = fake.recorded
    assert case.id == hit_and_run_id_for(RESCUE_ID) == UUID(str(envelope.data["hit_and_run_id"]))
    assert case.roles == {YU: "incident"}
    (opened,) = case.pending_events
    assert type(opened).__name__ == "CaseOpened"
    assert opened.rescue_id == str(RESCUE_ID)
    assert opened.at == T0 == envelope.occurred_at
    assert (opened.actor["role"], opened.actor["province"]) == ("system", YU)
    assert opened.casualties == {"dead": 0, "injured": 2}
    assert opened.place == {"road": "G75 兰海高速 (渝川界)", "km": 2101.3, "lat": 30.02, "lon": 106.28}


def test_a_second_process_after_a_restart_opens_nothing() -> None:
    fake = FakeHitAndRuns()
    envelope = rescue_opened()
    assert process_with(fake).handle(envelope) is True
    restarted = process_with(fake)
    assert restarted.handle(envelope) is False
    assert restarted.opened == 0
    assert len(fake.recorded) == 1


def _other_event_of_a_fled_rescue() -> Envelope:
    r = open_rescue(what=FLED)
    dispatch_police(SC)(r, LATER)
    dispatched = r.collect_events()[1]
    return envelope_from_event("JointRescue", dispatched, EVENT_SCHEMAS)


IGNORED: dict[str, Callable[[], Envelope]] = {
    "driver_did_not_flee": lambda: rescue_opened(report()),
    "not_rescue_opened": _other_event_of_a_fled_rescue,
    "catch_up": lambda: rescue_opened().model_copy(update={"catch_up": True}),
}


@pytest.mark.parametrize("case", list(IGNORED))
def test_the_process_ignores(case: str) -> None:
    fake = FakeHitAndRuns()
    process = process_with(fake)
    assert process.handle(IGNORED[case]()) is False
    assert (fake.calls, process.opened) == (0, 0)
