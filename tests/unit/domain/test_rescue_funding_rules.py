"""The funding rules of a joint rescue, complete (issue 12 §4; DOMAIN.md §4):

- 《机动车交通事故责任强制保险条例》第二十三条: the three 交强险 heads, each with its limit at fault and
  not at fault; an advance names its head and stays within it; the insured's fault follows the police's
  determination (道路交通安全法 第七十三条) and is provisional until there is one.
- 《道路交通事故社会救助基金管理办法》: the 3-working-day notice on every route that needs the fund (the
  over-limit one included), the 5-working-day review, rescue costs of at most 7 days from admission
  (第十四条), funeral costs for the dead, never more than requested, recovery from the liable party.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from tests.unit.domain.rescue_builders import (
    CASUALTIES,
    CPIC,
    CPIC_CAR,
    DISPATCHER,
    FUND,
    HOSPITAL,
    PICC,
    PICC_CAR,
    POLICY,
    SC_POLICE,
    T0,
    UNINSURED_CAR,
    YU,
    YU_POLICE,
    admit,
    eod,
    notify_insurer,
    open_rescue,
    replay,
    report,
    state,
    types_of,
)
from tests.unit.projections.agreement import MAPPER
from xborder.domain.actors import Actor
from xborder.domain.errors import DomainError, NotPermitted, RuleViolation, TransitionNotAllowed
from xborder.domain.money import Money
from xborder.workflows.rescue.aggregate import Casualty, FundRequest, JointRescue, Severity
from xborder.workflows.rescue.funding import (
    FUND_HEADS,
    LIMITS,
    FundReason,
    Head,
    head_limit,
    last_fund_rescue_day,
)
from xborder.workflows.rescue.masking import mask_rescue

M = timedelta(minutes=1)
ARTICLE_23 = "《机动车交通事故责任强制保险条例》第二十三条"
ARTICLE_14 = "《道路交通事故社会救助基金管理办法》第十四条"


def refused(error: type[DomainError], command: Any, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(error) as caught:
        command(*args, **kwargs)
    return caught.value


def notified(*cars: Any, what: Any = None) -> JointRescue:
    """A rescue with the patients admitted (Fri 2026-11-20 15:10) and the insurers of `cars` notified."""
    r = open_rescue(what=what)
    r.dispatch_medical("广安市人民医院", "510000", actor=DISPATCHER, at=T0)
    admit()(r, T0 + 10 * M)
    for i, car in enumerate(cars):
        notify_insurer(car)(r, T0 + (20 + i) * M)
    r.collect_events()
    return r


def advance(
    r: JointRescue,
    amount: int,
    at_fault: bool | None = True,
    head: Head = Head.MEDICAL,
    costs: int | None = None,
    *,
    insurer: Actor = PICC,
    at: datetime = T0 + 60 * M,
) -> Any:
    r.confirm_insurer_advance(
        Money(amount),
        at_fault,
        head,
        None if costs is None else Money(costs),
        actor=insurer,
        at=at,
        policy=POLICY,
    )
    (event,) = r.collect_events()
    return event


# ------------------------------------------------------------ 条例 第二十三条: the three heads
LIMIT_TABLE = [
    (Head.MEDICAL, True, 18_000),
    (Head.MEDICAL, False, 1_800),
    (Head.DEATH_DISABILITY, True, 180_000),
    (Head.DEATH_DISABILITY, False, 18_000),
    (Head.PROPERTY, True, 2_000),
    (Head.PROPERTY, False, 100),
]


@pytest.mark.parametrize(("head", "at_fault", "limit"), LIMIT_TABLE)
def test_article_23_each_head_has_a_limit_at_fault_and_not(head: Head, at_fault: bool, limit: int) -> None:
    assert head_limit(head, at_fault) == Money(limit)
    assert {h.value for h in LIMITS} == {"medical", "death_disability", "property"}


@pytest.mark.parametrize(("head", "at_fault", "limit"), LIMIT_TABLE)
def test_article_23_an_advance_names_its_head_and_stays_within_its_limit(
    head: Head, at_fault: bool, limit: int
) -> None:
    r = notified(PICC_CAR)
    error = refused(RuleViolation, advance, r, limit + 1, at_fault, head)
    assert (error.code, error.field) == ("insurer.advance_over_limit", "amount")
    assert ARTICLE_23 in error.detail and f"¥{limit:,}" in error.detail and head.value in error.detail
    assert r.pending_events == []
    event = advance(r, limit, at_fault, head)
    assert (event.head, event.amount, event.limit, event.at_fault) == (head.value, limit, limit, at_fault)
    assert r.advances == {("PICC", head.value): limit}


def test_article_23_one_advance_per_head_each_within_its_own_limit() -> None:
    r = notified(PICC_CAR)
    advance(r, 18_000, head=Head.MEDICAL)
    error = refused(TransitionNotAllowed, advance, r, 1, head=Head.MEDICAL)
    assert "medical" in error.detail
    advance(r, 180_000, head=Head.DEATH_DISABILITY)
    advance(r, 2_000, head=Head.PROPERTY)
    assert r.insurers == {"PICC": 200_000}  # what the insurer advanced in all


def test_article_23_the_head_defaults_to_medical_as_before_heads() -> None:
    r = notified(PICC_CAR)
    r.confirm_insurer_advance(Money(1_800), False, actor=PICC, at=T0 + 60 * M)
    (event,) = r.collect_events()
    assert (event.head, event.limit, event.at_fault_provisional) == ("medical", 1_800, True)


def test_article_23_an_advance_is_never_more_than_the_costs() -> None:
    r = notified(PICC_CAR)
    error = refused(RuleViolation, advance, r, 5_000, costs=4_000)
    assert (error.code, error.field) == ("insurer.advance_over_costs", "amount")


# ------------------------------------------------ fault: the police's, provisional until then
def test_fault_is_the_insurers_word_and_provisional_until_the_police_determine_it() -> None:
    r = notified(PICC_CAR)
    error = refused(RuleViolation, advance, r, 1_000, None)
    assert (error.code, error.field) == ("field.missing", "at_fault")
    event = advance(r, 18_000, True)
    assert (event.at_fault, event.at_fault_provisional) == (True, True)


def test_the_police_determination_decides_each_insurers_fault() -> None:
    r = notified(PICC_CAR, CPIC_CAR)
    r.determine_fault(["渝A12345"], actor=YU_POLICE, at=T0 + 30 * M)
    (determined,) = r.collect_events()
    assert type(determined).__name__ == "FaultDetermined"
    assert (determined.at_fault, determined.insurers) == (["渝A12345"], {"CPIC": False, "PICC": True})
    # PICC's insured is at fault: the at-fault limits, final; at_fault may be left out
    picc = advance(r, 18_000, None, insurer=PICC)
    assert (picc.at_fault, picc.at_fault_provisional, picc.limit) == (True, False, 18_000)
    # CPIC's is not: stating otherwise is refused, and the not-at-fault limit applies
    error = refused(RuleViolation, advance, r, 1_000, True, insurer=CPIC)
    assert (error.code, error.field) == ("insurer.at_fault_determined", "at_fault")
    error = refused(RuleViolation, advance, r, 1_801, None, insurer=CPIC)
    assert error.code == "insurer.advance_over_limit" and "¥1,800" in error.detail
    cpic = advance(r, 1_800, False, insurer=CPIC)
    assert (cpic.at_fault, cpic.at_fault_provisional) == (False, False)


def test_only_the_accident_provinces_police_determine_fault_once_and_of_its_vehicles() -> None:
    r = notified(PICC_CAR)
    refused(NotPermitted, r.determine_fault, ["渝A12345"], actor=SC_POLICE, at=T0 + 30 * M)
    refused(NotPermitted, r.determine_fault, ["渝A12345"], actor=DISPATCHER, at=T0 + 30 * M)
    error = refused(RuleViolation, r.determine_fault, ["京A00000"], actor=YU_POLICE, at=T0 + 30 * M)
    assert (error.code, error.field) == ("fault.unknown_plate", "at_fault")
    r.determine_fault([], actor=YU_POLICE, at=T0 + 30 * M)  # nobody at fault
    refused(TransitionNotAllowed, r.determine_fault, [], actor=YU_POLICE, at=T0 + 40 * M)
    assert r.fault == {"CPIC": False, "PICC": False}


# --------------------------------------- 救助基金办法: the notice clock on every route, review
def test_over_limit_route_the_fund_notice_clock_starts_when_costs_exceed_the_limit() -> None:
    """Costs above the 交强险 limit need the fund: its 3-working-day notice clock starts then (Fri
    2026-11-20 16:00 -> Wed 11-25), as it does at opening for a fled driver or no 交强险."""
    r = notified(PICC_CAR)
    event = advance(r, 18_000, True, costs=30_000, at=T0 + 60 * M)
    assert event.over_limit is True
    assert event.opens == {"fund_notice": eod(2026, 11, 25)}
    assert "fund_notice" in r.deadlines
    assert any(a["action"] == "notify_fund" for a in r.awaiting())
    r.notify_fund(FundReason.OVER_LIMIT, actor=DISPATCHER, at=T0 + D(1), policy=POLICY)
    (notice,) = r.collect_events()
    assert notice.closes == ["fund_notice"]
    assert notice.opens == {"fund_review": eod(2026, 11, 27)}  # 5 working days from Sat 11-21


def D(days: int) -> timedelta:
    return timedelta(days=days)


@pytest.mark.parametrize("head", [Head.PROPERTY])
def test_over_limit_property_damage_never_goes_to_the_fund(head: Head) -> None:
    assert head not in FUND_HEADS
    r = notified(PICC_CAR)
    event = advance(r, 2_000, True, head, costs=9_000)
    assert (event.over_limit, event.opens) == (False, {})


def test_over_limit_costs_within_the_limit_start_no_clock() -> None:
    r = notified(PICC_CAR)
    event = advance(r, 5_000, True, costs=5_000)
    assert (event.over_limit, event.opens) == (False, {})


@pytest.mark.parametrize(
    ("fled", "vehicles"), [(True, (PICC_CAR,)), (False, (UNINSURED_CAR,)), (False, (PICC_CAR, UNINSURED_CAR))]
)
def test_fled_and_uninsured_routes_start_the_notice_clock_at_opening(fled: bool, vehicles: Any) -> None:
    r = open_rescue(what=report(driver_fled=fled, vehicles=vehicles))
    assert r.deadlines["fund_notice"].due == eod(2026, 11, 25)


# -------------------------------------------------- 办法 第十四条: at most 7 days from admission
def test_article_14_the_last_day_is_7_days_after_admission() -> None:
    assert last_fund_rescue_day(date(2026, 11, 20)) == date(2026, 11, 27)


def fund_route(**what: Any) -> JointRescue:
    r = notified(what=report(vehicles=(UNINSURED_CAR,), **what))
    return r


def test_article_14_rescue_costs_of_up_to_7_days_from_admission() -> None:
    r = fund_route()  # admitted Fri 2026-11-20
    request = FundRequest(Money(30_000), date(2026, 11, 28))
    error = refused(
        RuleViolation,
        r.notify_fund,
        FundReason.UNINSURED,
        request,
        actor=DISPATCHER,
        at=T0 + D(1),
        policy=POLICY,
    )
    assert (error.code, error.field) == ("fund.rescue_beyond_7_days", "rescue_costs_until")
    assert ARTICLE_14 in error.detail and "2026-11-27" in error.detail
    r.notify_fund(
        FundReason.UNINSURED,
        FundRequest(Money(30_000), date(2026, 11, 27)),
        actor=DISPATCHER,
        at=T0 + D(1),
        policy=POLICY,
    )
    (notice,) = r.collect_events()
    assert (notice.rescue_costs, notice.rescue_costs_until) == (30_000, "2026-11-27")


def test_article_14_rescue_costs_need_an_admission_and_their_last_day() -> None:
    r = open_rescue(what=report(vehicles=(UNINSURED_CAR,)))
    error = refused(
        RuleViolation,
        r.notify_fund,
        FundReason.UNINSURED,
        FundRequest(Money(1_000), date(2026, 11, 21)),
        actor=DISPATCHER,
        at=T0 + D(1),
        policy=POLICY,
    )
    assert error.code == "fund.not_admitted"
    r = fund_route()
    error = refused(
        RuleViolation,
        r.notify_fund,
        FundReason.UNINSURED,
        FundRequest(Money(1_000)),
        actor=DISPATCHER,
        at=T0 + D(1),
        policy=POLICY,
    )
    assert (error.code, error.field) == ("field.missing", "rescue_costs_until")
    error = refused(
        RuleViolation,
        r.notify_fund,
        FundReason.UNINSURED,
        FundRequest(Money(1_000), date(2026, 11, 19)),
        actor=DISPATCHER,
        at=T0 + D(1),
        policy=POLICY,
    )
    assert error.code == "fund.rescue_before_admission"


# ------------------------------------------------------------ funeral costs for the dead
def test_funeral_costs_only_for_the_dead() -> None:
    r = fund_route()
    error = refused(
        RuleViolation,
        r.notify_fund,
        FundReason.UNINSURED,
        FundRequest(funeral_costs=Money(12_000)),
        actor=DISPATCHER,
        at=T0 + D(1),
        policy=POLICY,
    )
    assert (error.code, error.field) == ("fund.no_deceased", "funeral_costs")
    error = refused(
        RuleViolation,
        r.notify_fund,
        FundReason.UNINSURED,
        FundRequest(funeral_costs=Money(12_000), deceased=("P9",)),
        actor=DISPATCHER,
        at=T0 + D(1),
        policy=POLICY,
    )
    assert (error.code, error.field) == ("fund.unknown_deceased", "deceased")
    # a patient who died in hospital is named
    r.notify_fund(
        FundReason.UNINSURED,
        FundRequest(funeral_costs=Money(12_000), deceased=("P1",)),
        actor=DISPATCHER,
        at=T0 + D(1),
        policy=POLICY,
    )
    assert r.collect_events()[0].deceased == ["P1"]


def test_funeral_costs_for_a_casualty_recorded_dead_at_the_scene() -> None:
    dead = (Casualty("P1", Severity.DEAD, ""), *CASUALTIES[1:])
    r = fund_route(casualties=dead)
    r.notify_fund(
        FundReason.UNINSURED,
        FundRequest(funeral_costs=Money(12_000)),
        actor=DISPATCHER,
        at=T0 + D(1),
        policy=POLICY,
    )
    assert r.collect_events()[0].funeral_costs == 12_000


# ------------------------------------------------------------------ bounded by the request
def requested(rescue: int = 9_500, funeral: int | None = None, **what: Any) -> JointRescue:
    r = fund_route(**what)
    r.notify_fund(
        FundReason.UNINSURED,
        FundRequest(
            Money(rescue),
            date(2026, 11, 25),
            None if funeral is None else Money(funeral),
            ("P1",) if funeral else (),
        ),
        actor=DISPATCHER,
        at=T0 + D(1),
        policy=POLICY,
    )
    r.collect_events()
    return r


def test_the_fund_never_advances_more_than_requested() -> None:
    r = requested(9_500, 12_000)
    error = refused(RuleViolation, r.review_fund, True, Money(21_501), actor=FUND, at=T0 + D(2))
    assert (error.code, error.field) == ("fund.amount_over_request", "amount")
    assert "¥21,500" in error.detail
    r.review_fund(True, Money(21_500), actor=FUND, at=T0 + D(2))
    assert r.fund_paid == 21_500


def test_a_notice_without_amounts_leaves_the_review_unbounded_as_before() -> None:
    r = fund_route()
    r.notify_fund(FundReason.UNINSURED, actor=DISPATCHER, at=T0 + D(1), policy=POLICY)
    r.review_fund(True, Money(50_000), actor=FUND, at=T0 + D(2))
    assert r.fund_paid == 50_000


# ------------------------------------------------------- recovery from the liable party
def test_recovery_from_the_liable_party_recorded_when_known() -> None:
    r = requested(9_500)
    refused(TransitionNotAllowed, r.record_recovery, "张三", Money(1), actor=FUND, at=T0 + D(3))
    r.review_fund(True, Money(9_500), actor=FUND, at=T0 + D(2))
    refused(NotPermitted, r.record_recovery, "张三", Money(1), actor=YU_POLICE, at=T0 + D(3))
    error = refused(RuleViolation, r.record_recovery, "张三", Money(9_501), actor=FUND, at=T0 + D(3))
    assert (error.code, error.field) == ("fund.recovery_invalid", "amount")
    r.record_recovery("张三", Money(5_000), actor=FUND, at=T0 + D(3))
    r.close(actor=DISPATCHER, at=T0 + D(4))
    # known only after the rescue was closed: still recorded, the rescue stays closed
    r.record_recovery(" 张三 ", Money(4_500), actor=FUND, at=T0 + D(40))
    events = r.collect_events()
    assert types_of(events)[-3:] == ["FundRecoveryRecorded", "RescueClosed", "FundRecoveryRecorded"]
    assert (events[-1].liable_party, events[-1].amount, events[-1].status) == ("张三", 4_500, "closed")
    assert r.fund_recovered == 9_500
    refused(RuleViolation, r.record_recovery, "张三", Money(1), actor=FUND, at=T0 + D(41))


def test_the_liable_party_is_masked_for_insurers_and_hospitals() -> None:
    doc: dict[str, Any] = {
        "accident": YU,
        "fund": {"recoveries": [{"liable_party": "张三丰", "amount": 1, "at": ""}]},
    }
    for actor, shown in [
        (FUND, "张三丰"),
        (YU_POLICE, "张三丰"),
        (DISPATCHER, "张三丰"),
        (SC_POLICE, "张**"),  # a responder province's police
        (HOSPITAL, "张**"),
        (PICC, "张**"),
    ]:
        copy: dict[str, Any] = {"accident": YU, "fund": {"recoveries": [dict(doc["fund"]["recoveries"][0])]}}
        mask_rescue(copy, actor)
        assert copy["fund"]["recoveries"][0]["liable_party"] == shown, actor


# ------------------------------------------------------------------ old events still load
# What each class version added to every case event, and so what an event stored at it lacks.
ADDED_AFTER = {1: ("overdue", "status", "awaiting", "provisional"), 2: ("provisional",), 3: ()}


def as_stored_in(version: int, event: Any, added: tuple[str, ...]) -> Any:
    """`event` as the event store held it at class `version`: without what later versions added
    (`added`: this event's own fields of version 4), read back through the upcasters."""
    stored = MAPPER.to_stored_event(event)
    old_state = MAPPER.transcoder.decode(stored.state)
    for name in (*ADDED_AFTER[version], *added):
        del old_state[name]
    if version == 1:
        del old_state["class_version"]
    else:
        old_state["class_version"] = version
    return MAPPER.to_domain_event(replace(stored, state=MAPPER.transcoder.encode(old_state)))


@pytest.mark.parametrize("version", [1, 2, 3])
def test_advances_and_notices_stored_before_heads_and_requests_load_as_before(version: int) -> None:
    r = notified(PICC_CAR)
    event = advance(r, 1_800, False)
    read = as_stored_in(version, event, ("head", "limit", "at_fault_provisional", "costs", "over_limit"))
    # every advance was a medical one, within the limit of the fault the insurer stated, provisional
    assert (read.head, read.limit, read.at_fault_provisional, read.costs, read.over_limit) == (
        "medical",
        1_800,
        True,
        None,
        False,
    )
    assert (read.amount, read.at_fault, read.insurer) == (1_800, False, "PICC")
    r = fund_route()
    r.notify_fund(FundReason.UNINSURED, actor=DISPATCHER, at=T0 + D(1), policy=POLICY)
    (notice,) = r.collect_events()
    read = as_stored_in(version, notice, ("rescue_costs", "rescue_costs_until", "funeral_costs", "deceased"))
    assert (read.reason, read.rescue_costs, read.rescue_costs_until, read.funeral_costs, read.deceased) == (
        "uninsured",
        None,
        None,
        None,
        [],
    )


def test_the_changed_events_are_one_version_past_every_case_event() -> None:
    from xborder.domain.cases import CaseEvent

    for event in (JointRescue.InsurerAdvanceConfirmed, JointRescue.FundNotified):
        assert event.class_version == CaseEvent.class_version + 1 == 4


def test_the_read_model_shows_heads_fault_request_and_recoveries() -> None:
    from tests.unit.projections.agreement import ReadModelMirror

    r2 = open_rescue()
    r2.dispatch_medical("广安市人民医院", "510000", actor=DISPATCHER, at=T0)
    admit()(r2, T0 + 10 * M)
    notify_insurer(PICC_CAR)(r2, T0 + 20 * M)
    r2.determine_fault(["渝A12345"], actor=YU_POLICE, at=T0 + 30 * M)
    r2.confirm_insurer_advance(
        Money(18_000), None, Head.MEDICAL, Money(30_000), actor=PICC, at=T0 + 40 * M, policy=POLICY
    )
    r2.notify_fund(
        FundReason.OVER_LIMIT,
        FundRequest(Money(12_000), date(2026, 11, 27)),
        actor=DISPATCHER,
        at=T0 + D(1),
        policy=POLICY,
    )
    r2.review_fund(True, Money(12_000), actor=FUND, at=T0 + D(2))
    r2.record_recovery("张三", Money(2_000), actor=FUND, at=T0 + D(3))
    events = list(r2.collect_events())
    mirror = ReadModelMirror("JointRescue")
    mirror.catch_up(events)
    mirror.assert_agrees_with(r2)
    doc = mirror.doc
    assert doc is not None
    assert doc["fault"]["at_fault"] == ["渝A12345"] and doc["fault"]["insurers"] == {
        "CPIC": False,
        "PICC": True,
    }
    medical = doc["insurers"]["PICC"]["advances"]["medical"]
    assert (medical["at_fault"], medical["at_fault_provisional"], medical["over_limit"]) == (
        True,
        False,
        True,
    )
    assert doc["insurers"]["PICC"]["advance"] == medical
    assert doc["fund"]["request"]["rescue_costs_until"] == "2026-11-27"
    assert doc["fund"]["recovered"] == 2_000
    assert doc["fund"]["recoveries"][0]["liable_party"] == "张三"
    assert state(replay(events)) == state(r2)


def test_an_outstanding_recovery_is_a_legal_hold_on_the_rescues_personal_data() -> None:
    """The fund's record is its evidence for the recovery claim (追偿): an erasure must wait for it."""
    r = requested(9_500)
    assert r.legal_hold() is not None and "still open" in str(r.legal_hold())
    r.review_fund(True, Money(9_500), actor=FUND, at=T0 + D(2))
    r.close(actor=DISPATCHER, at=T0 + D(4))
    assert "追偿" in str(r.legal_hold())
    r.record_recovery("张三", Money(9_500), actor=FUND, at=T0 + D(40))
    assert r.legal_hold() is None
