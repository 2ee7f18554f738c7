"""JointRescue under random commands: whatever anyone does, the rescue stays consistent and
replayable, the clocks run exactly when they should, and no insurer advances beyond its limit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.unit.domain.rescue_builders import (
    CASUALTIES,
    CPIC,
    CPIC_CAR,
    DISPATCHER,
    FUND,
    GUI,
    HOSPITAL,
    HU_POLICE,
    NO_INSURER_CAR,
    NO_POLICY_CAR,
    PICC,
    PICC_CAR,
    PINGAN,
    POLICY,
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
    replay,
    report,
    state,
)
from tests.unit.projections.agreement import ReadModelMirror, assert_version_1_publishes_the_same
from xborder.domain.actors import Actor, Role
from xborder.domain.calendar import CST
from xborder.domain.errors import DomainError
from xborder.domain.money import Money
from xborder.workflows.rescue.aggregate import FundRequest, JointRescue, RescueStatus
from xborder.workflows.rescue.funding import (
    FUND_HEADS,
    FundingRoute,
    FundReason,
    Head,
    VehicleCover,
    head_limit,
    last_fund_rescue_day,
    route_funding,
)

S = RescueStatus
GUI_POLICE = Actor("gz-police", GUI, Role.TRAFFIC_POLICE)
GUI_HOSPITAL = Actor("gz-hospital", GUI, Role.MEDICAL)
POLICE_OF = {YU: YU_POLICE, SC: SC_POLICE, GUI: GUI_POLICE}
HOSPITAL_OF = {YU: YU_HOSPITAL, SC: HOSPITAL, GUI: GUI_HOSPITAL}

actors = st.sampled_from(
    [
        DISPATCHER,
        YU_POLICE,
        SC_POLICE,
        GUI_POLICE,
        HOSPITAL,
        YU_HOSPITAL,
        GUI_HOSPITAL,
        PICC,
        CPIC,
        PINGAN,
        FUND,
        SC_DISPATCHER,
        SC_FUND,
        HU_POLICE,
        WATCHER,
    ]
)


def favouring(*allowed: Any) -> st.SearchStrategy[Any]:
    """Mostly an actor allowed to do it, sometimes anyone: so random runs get past the first steps."""
    return st.one_of(st.sampled_from(allowed), st.sampled_from(allowed), actors)


provinces = st.sampled_from([SC, SC, YU, GUI])
CARS = [PICC_CAR, CPIC_CAR, UNINSURED_CAR, NO_POLICY_CAR, NO_INSURER_CAR]
# What a caller may name in a notice: the real covers, and mix-ups of insurer and policy.
covers = st.sampled_from(
    [
        PICC_CAR,
        CPIC_CAR,
        PICC_CAR,
        CPIC_CAR,
        NO_POLICY_CAR,
        VehicleCover(None, "PICC", CPIC_CAR.policy),
        VehicleCover(None, "PINGAN", "PDZA2026500000077777"),
    ]
)
# the limits' edges, and nothing
EDGES = [0, 1, 100, 101, 1_800, 1_801, 2_000, 2_001, 18_000, 18_001, 180_000, 180_001]
amounts = st.one_of(
    st.sampled_from(EDGES), st.sampled_from(EDGES), st.integers(min_value=0, max_value=200_000)
)
heads = st.sampled_from([Head.MEDICAL, Head.MEDICAL, Head.DEATH_DISABILITY, Head.PROPERTY])
costs = st.one_of(st.none(), st.sampled_from([0, 500, 1_800, 18_000, 30_000, 200_000]))
faults = st.sampled_from([True, False, None])
plate_lists = st.lists(st.sampled_from(["渝A12345", "川A54321", "渝B67890", "京A00000"]), max_size=2)
# A request to the fund: rescue costs up to a day around the 7 days from admission, funeral costs.
requests = st.builds(
    lambda rescue, days, funeral, dead: (rescue, days, funeral, dead),
    st.one_of(st.none(), st.sampled_from([0, 9_500, 30_000])),
    st.one_of(st.none(), st.integers(min_value=-1, max_value=9)),
    st.one_of(st.none(), st.sampled_from([0, 12_000])),
    st.lists(st.sampled_from(["P1", "P2", "P9"]), max_size=2),
)
patient_lists = st.lists(st.sampled_from(["P1", "P2", "P9"]), max_size=3)
DEADLINE_NAMES = ["fund_notice", "fund_review", "bogus"]
# Forward only: from a second to well beyond the 3- and 5-working-day clocks.
steps = st.one_of(
    st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=6)),
    st.timedeltas(min_value=timedelta(days=1), max_value=timedelta(days=12)),
    st.timedeltas(min_value=timedelta(days=4), max_value=timedelta(days=12)),
)


class RescueMachine(RuleBasedStateMachine):
    rescue: JointRescue
    events: list[Any]
    now: datetime
    closed: tuple[S, int] | None
    route: FundingRoute

    @initialize(
        fled=st.sampled_from([False, False, True]),
        # insured cars more often, so the insurers' side gets exercised
        vehicles=st.one_of(
            st.sampled_from([[PICC_CAR], [PICC_CAR, CPIC_CAR], [CPIC_CAR, UNINSURED_CAR]]),
            st.lists(st.sampled_from([PICC_CAR, CPIC_CAR, *CARS]), max_size=3, unique=True),
        ),
        casualties=st.sampled_from([CASUALTIES, CASUALTIES[:1]]),
    )
    def start(self, fled: bool, vehicles: list[VehicleCover], casualties: Any) -> None:
        self.now = T0
        what = report(driver_fled=fled, vehicles=tuple(vehicles), casualties=casualties)
        self.rescue = JointRescue.open(what, actor=DISPATCHER, at=T0, policy=POLICY)
        self.events = list(self.rescue.collect_events())
        self.read_model = ReadModelMirror("JointRescue")
        assert len(self.events) == 1
        self.route = route_funding(fled, vehicles)
        self.closed = None
        # How often each command went through or was refused: to check, when tuning the strategies,
        # that random runs do get past the first steps (not asserted: it varies by run).
        self.outcomes: dict[str, int] = {}

    # ---------------------------------------------------------------- helpers
    def attempt(self, name: str, command: Callable[[], object]) -> None:
        """Run a command; a refusal must be a DomainError and must leave nothing behind."""
        before = state(self.rescue)
        try:
            command()
        except DomainError:
            assert self.rescue.pending_events == []
            assert state(self.rescue) == before
            self.outcomes[f"{name}:refused"] = self.outcomes.get(f"{name}:refused", 0) + 1
            return
        new = self.rescue.collect_events()
        assert len(new) == 1
        assert new[0].at == self.now
        self.events.extend(new)
        self.outcomes[f"{name}:ok"] = self.outcomes.get(f"{name}:ok", 0) + 1

    # ------------------------------------------------------------------ rules
    @rule(step=steps)
    def advance_clock(self, step: timedelta) -> None:
        self.now += step

    @rule(data=st.data())
    def let_a_clock_run_out(self, data: st.DataObject) -> None:
        """Jump just past an open clock's due time (forward only): random steps rarely get there
        before the awaited event."""
        if self.rescue.deadlines:
            name = data.draw(st.sampled_from(sorted(self.rescue.deadlines)))
            self.now = max(self.now, self.rescue.deadlines[name].due + timedelta(seconds=1))

    @rule(actor=favouring(DISPATCHER), province=provinces)
    def dispatch_police(self, actor: Any, province: str) -> None:
        r = self.rescue
        self.attempt("dispatch_police", lambda: r.dispatch_police("大队", province, actor=actor, at=self.now))

    @rule(actor=favouring(DISPATCHER), province=provinces)
    def dispatch_medical(self, actor: Any, province: str) -> None:
        r = self.rescue
        self.attempt(
            "dispatch_medical", lambda: r.dispatch_medical("医院", province, actor=actor, at=self.now)
        )

    @rule(data=st.data())
    def report_arrival(self, data: st.DataObject) -> None:
        r = self.rescue
        right = POLICE_OF[r.police[0]] if r.police else YU_POLICE
        actor = data.draw(favouring(right))
        self.attempt("report_arrival", lambda: r.report_police_arrival(actor=actor, at=self.now))

    @rule(data=st.data(), patients=patient_lists)
    def admit_patients(self, data: st.DataObject, patients: list[str]) -> None:
        r = self.rescue
        right = HOSPITAL_OF[r.medical[0]] if r.medical else HOSPITAL
        actor = data.draw(favouring(right))
        self.attempt("admit_patients", lambda: r.admit_patients(patients, actor=actor, at=self.now))

    @rule(actor=favouring(DISPATCHER, YU_POLICE), data=st.data())
    def notify_insurer(self, actor: Any, data: st.DataObject) -> None:
        r = self.rescue
        # the covers the route names more often, any other cover sometimes
        right = list(self.route.insurers)
        cover = data.draw(st.one_of(st.sampled_from(right), covers) if right else covers)
        self.attempt(
            "notify_insurer",
            lambda: r.notify_insurer(cover.insurer or "", cover.policy or "", actor=actor, at=self.now),
        )

    @rule(data=st.data(), amount=amounts, at_fault=faults, head=heads, cost=costs)
    def confirm_advance(
        self, data: st.DataObject, amount: int, at_fault: bool | None, head: Head, cost: int | None
    ) -> None:
        r = self.rescue
        # the notified insurers more often, also those that already confirmed (a second try)
        notified = [a for a in (PICC, CPIC) if a.org in r.insurers] or [PICC, CPIC]
        actor = data.draw(favouring(*notified))
        stated = None if cost is None else Money(cost)
        self.attempt(
            "confirm_advance",
            lambda: r.confirm_insurer_advance(
                Money(amount), at_fault, head, stated, actor=actor, at=self.now, policy=POLICY
            ),
        )

    @rule(actor=favouring(YU_POLICE), plates=plate_lists)
    def determine_fault(self, actor: Any, plates: list[str]) -> None:
        r = self.rescue
        self.attempt("determine_fault", lambda: r.determine_fault(plates, actor=actor, at=self.now))

    @rule(actor=favouring(DISPATCHER, YU_POLICE), reason=st.sampled_from(list(FundReason)), request=requests)
    def notify_fund(self, actor: Any, reason: FundReason, request: Any) -> None:
        r = self.rescue
        self.attempt(
            "notify_fund",
            lambda: r.notify_fund(reason, self._request(request), actor=actor, at=self.now, policy=POLICY),
        )

    def _request(self, drawn: Any) -> FundRequest:
        rescue, days, funeral, dead = drawn
        admitted = self.rescue.admitted_on or self.now.astimezone(CST).date()
        return FundRequest(
            None if rescue is None else Money(rescue),
            None if days is None else admitted + timedelta(days=days),
            None if funeral is None else Money(funeral),
            tuple(dead),
        )

    @rule(
        actor=favouring(FUND), approved=st.booleans(), amount=st.sampled_from([0, 1, 9_500, 21_500, 30_000])
    )
    def review_fund(self, actor: Any, approved: bool, amount: int) -> None:
        r = self.rescue
        self.attempt("review_fund", lambda: r.review_fund(approved, Money(amount), actor=actor, at=self.now))

    @rule(actor=favouring(FUND), amount=st.sampled_from([0, 1, 5_000, 9_500, 40_000]))
    def record_recovery(self, actor: Any, amount: int) -> None:
        r = self.rescue
        self.attempt(
            "record_recovery", lambda: r.record_recovery("张三", Money(amount), actor=actor, at=self.now)
        )

    @rule(actor=favouring(DISPATCHER), really=st.booleans())
    def close(self, actor: Any, really: bool) -> None:
        if really:  # not too early too often: most of the flow happens before closing
            self.attempt("close", lambda: self.rescue.close(actor=actor, at=self.now))

    @rule(data=st.data())
    def proceed(self, data: st.DataObject) -> None:
        """One of the expected next steps, done right: random runs otherwise rarely reach the fund's
        review or its clocks running out."""
        r = self.rescue
        now = self.now
        candidates: list[Callable[[], object]] = []
        if r.police is None:
            candidates.append(lambda: r.dispatch_police("大队", SC, actor=DISPATCHER, at=now))
        elif not r.police_arrived:
            candidates.append(lambda: r.report_police_arrival(actor=POLICE_OF[r.police[0]], at=now))
        if r.medical is None:
            candidates.append(lambda: r.dispatch_medical("医院", SC, actor=DISPATCHER, at=now))
        elif not r.admitted:
            hospital = HOSPITAL_OF[r.medical[0]]
            candidates.append(lambda: r.admit_patients(r.casualty_refs, actor=hospital, at=now))
        for v in self.route.insurers:
            if v.insurer not in r.insurers:
                insurer, policy = v.insurer or "", v.policy or ""
                candidates.append(
                    lambda i=insurer, p=policy: r.notify_insurer(i, p, actor=DISPATCHER, at=now)
                )
            elif r.insurers[v.insurer or ""] is None:
                # mostly within the limit, sometimes at its edges (then the next try may succeed)
                amount, at_fault = data.draw(
                    st.one_of(
                        st.sampled_from([(18_000, True), (1_800, False), (500, True)]),
                        st.tuples(st.sampled_from(EDGES), st.booleans()),
                    )
                )
                cost = data.draw(costs)
                actor = PICC if v.insurer == "PICC" else CPIC
                candidates.append(
                    lambda a=actor, m=amount, f=at_fault, c=cost: r.confirm_insurer_advance(
                        Money(m),
                        f,
                        Head.MEDICAL,
                        None if c is None else Money(c),
                        actor=a,
                        at=now,
                        policy=POLICY,
                    )
                )
        reasons = [*self.route.fund_reasons]
        if any(a is not None for a in r.insurers.values()):
            reasons.append(FundReason.OVER_LIMIT)
        if not r.fund_notified and reasons:
            reason = data.draw(st.sampled_from(reasons))
            request = self._request(data.draw(requests))
            candidates.append(lambda: r.notify_fund(reason, request, actor=DISPATCHER, at=now, policy=POLICY))
        if r.fund_notified and not r.fund_reviewed:
            approved = data.draw(st.booleans())
            candidates.append(lambda: r.review_fund(approved, Money(9_500), actor=FUND, at=now))
        if r.fund_paid > r.fund_recovered:
            candidates.append(lambda: r.record_recovery("张三", Money(1), actor=FUND, at=now))
        if candidates:
            self.attempt("proceed", data.draw(st.sampled_from(candidates)))

    @rule(data=st.data())
    def mark_overdue(self, data: st.DataObject) -> None:
        # Any name, open clocks more often: the watcher asks about what it saw open.
        r = self.rescue
        name = data.draw(st.sampled_from([*sorted(r.deadlines) * 2, *DEADLINE_NAMES]))
        deadline = r.deadlines.get(name)
        expected = (
            deadline is not None and not deadline.overdue and self.now > deadline.due and not r.is_terminal
        )
        status = r.status
        recorded = r.mark_overdue(name, self.now, WATCHER)
        assert recorded is expected
        new = r.collect_events()
        assert len(new) == (1 if recorded else 0)
        assert r.status == status  # an overdue clock never decides the rescue
        if recorded:
            assert new[0].deadline == name
            assert (
                type(new[0]).__name__
                == {
                    "fund_notice": "FundNoticeOverdue",
                    "fund_review": "FundReviewOverdue",
                }[name]
            )
            assert r.deadlines[name].overdue is True
            self.events.extend(new)

    # ------------------------------------------------------------- invariants
    @invariant()
    def status_is_a_rescue_status(self) -> None:
        assert isinstance(self.rescue.status, RescueStatus)

    @invariant()
    def version_counts_the_events(self) -> None:
        assert self.rescue.version == len(self.events)
        assert [e.originator_version for e in self.events] == list(range(1, len(self.events) + 1))

    @invariant()
    def replay_gives_the_same_aggregate(self) -> None:
        assert state(replay(self.events)) == state(self.rescue)

    @invariant()
    def closed_rescues_never_change(self) -> None:
        """Once closed, only the fund's recoveries follow (they become known when they do)."""
        r = self.rescue
        if self.closed is not None:
            assert r.status == S.CLOSED
            later = self.events[self.closed[1] :]
            assert all(type(e).__name__ == "FundRecoveryRecorded" for e in later)
        elif r.status == S.CLOSED:
            self.closed = (r.status, r.version)

    @invariant()
    def status_is_the_furthest_milestone(self) -> None:
        r = self.rescue
        decisions = [
            e
            for e in self.events
            if type(e).__name__ in ("InsurerAdvanceConfirmed", "FundAdvancePaid", "FundAdvanceDenied")
        ]
        if r.status == S.CLOSED:
            assert [type(e).__name__ for e in self.events].count("RescueClosed") == 1
            return
        if decisions:
            latest = type(decisions[-1]).__name__
            assert r.status == (S.FUNDING_DENIED if latest == "FundAdvanceDenied" else S.FUNDING_CONFIRMED)
        elif r.admitted:
            assert r.status == S.PATIENTS_ADMITTED
        elif r.police or r.medical:
            assert r.status == S.RESPONDING
        else:
            assert r.status == S.OPEN

    @invariant()
    def clocks_run_exactly_while_awaited(self) -> None:
        r = self.rescue
        is_open = r.status != S.CLOSED
        assert set(r.deadlines) <= {"fund_notice", "fund_review"}
        for name, deadline in r.deadlines.items():
            assert deadline.name == name
        assert ("fund_review" in r.deadlines) is (is_open and r.fund_notified and not r.fund_reviewed)
        # every route that needs the fund runs its notice clock: the fled driver, no 交强险, and costs
        # an insurer stated above a limit the fund covers (the over-limit route)
        over_limit = any(getattr(e, "over_limit", False) for e in self.events)
        needed = self.route.fund_needed or over_limit
        assert ("fund_notice" in r.deadlines) is (is_open and needed and not r.fund_notified)
        assert not r.fund_reviewed or r.fund_notified

    @invariant()
    def insurers_advance_within_their_limit_and_only_when_notified(self) -> None:
        r = self.rescue
        notified: set[str] = set()
        confirmed: dict[str, int] = {}
        heads_confirmed: set[tuple[str, str]] = set()
        determined: dict[str, bool] | None = None
        for e in self.events:
            kind = type(e).__name__
            if kind == "InsurerNotified":
                assert e.insurer not in notified
                notified.add(e.insurer)
            elif kind == "FaultDetermined":
                assert determined is None, "responsibility determined twice"
                determined = e.insurers
            elif kind == "InsurerAdvanceConfirmed":
                assert e.insurer in notified, "an advance confirmed by an insurer never notified"
                assert (e.insurer, e.head) not in heads_confirmed, "an advance under one head twice"
                heads_confirmed.add((e.insurer, e.head))
                # 条例 第二十三条: within the head's limit for the insured's fault
                assert e.limit == head_limit(Head(e.head), e.at_fault).yuan
                assert 0 < e.amount <= e.limit
                assert e.costs is None or e.amount <= e.costs
                assert e.over_limit is (e.costs is not None and e.costs > e.limit and e.head in FUND_HEADS)
                # the police's determination when there is one, provisional until then
                if determined is not None and e.insurer in determined:
                    assert (e.at_fault, e.at_fault_provisional) == (determined[e.insurer], False)
                else:
                    assert e.at_fault_provisional is True
                confirmed[e.insurer] = confirmed.get(e.insurer, 0) + e.amount
        assert r.insurers == {name: confirmed.get(name) for name in notified}
        # only the insurers of insured vehicles, and none when the driver fled
        assert notified <= {v.insurer for v in self.route.insurers}
        if r.driver_fled:
            assert r.insurers == {}

    @invariant()
    def fund_notified_only_for_a_reason_that_applies(self) -> None:
        for e in self.events:
            if type(e).__name__ == "FundNotified":
                assert e.reason in {*self.route.fund_reasons, FundReason.OVER_LIMIT}
                if e.reason == FundReason.OVER_LIMIT:
                    before = self.events[: e.originator_version - 1]
                    assert any(type(p).__name__ == "InsurerAdvanceConfirmed" for p in before)

    @invariant()
    def fund_advances_within_the_request_and_the_seven_days(self) -> None:
        """办法 第十四条: rescue costs of at most 7 days from admission; funeral costs for the dead; the
        advance never more than requested; recoveries never more than the advance."""
        r = self.rescue
        requested: int | None = None
        paid = recovered = 0
        for e in self.events:
            kind = type(e).__name__
            if kind == "FundNotified":
                if e.rescue_costs_until is not None:
                    assert r.admitted_on is not None
                    until = datetime.fromisoformat(e.rescue_costs_until).date()
                    assert r.admitted_on <= until <= last_fund_rescue_day(r.admitted_on)
                if e.rescue_costs:
                    assert e.rescue_costs_until is not None
                if e.funeral_costs:
                    assert e.deceased or r.dead
                amounts = [a for a in (e.rescue_costs, e.funeral_costs) if a is not None]
                requested = sum(amounts) if amounts else None
            elif kind == "FundAdvancePaid":
                assert requested is None or e.amount <= requested
                paid = e.amount
            elif kind == "FundRecoveryRecorded":
                recovered += e.amount
                assert 0 < recovered <= paid
        assert (r.fund_paid, r.fund_recovered) == (paid, recovered)

    @invariant()
    def roles_are_the_accident_and_the_dispatched_units(self) -> None:
        r = self.rescue
        assert r.roles[YU] == "accident"
        dispatched = {p[0] for p in (r.police, r.medical) if p is not None}
        assert set(r.roles) == {YU} | dispatched
        assert all(role == "responder" for code, role in r.roles.items() if code != YU)

    # ----------------------------------------------- the domain decides, readers copy
    @invariant()
    def read_model_agrees_with_the_aggregate(self) -> None:
        """After every step, a province's document — built from the new events' envelopes by the read
        model's own code — holds the aggregate's status, awaiting and clocks (due and overdue)."""
        self.read_model.catch_up(self.events)
        self.read_model.assert_agrees_with(self.rescue)

    def teardown(self) -> None:
        """The same history stored before events carried their decisions publishes the same envelopes."""
        if hasattr(self, "events"):
            assert_version_1_publishes_the_same("JointRescue", self.events)


RescueMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
test_rescue_state_machine = RescueMachine.TestCase
