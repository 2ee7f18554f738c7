"""ViolationObjection under random commands: whatever anyone does, the case stays consistent
and replayable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.unit.domain.objection_builders import (
    CHUAN_ADMIN,
    CHUAN_POLICE,
    DRIVER,
    HU_POLICE,
    OTHER_DRIVER,
    POLICY,
    SC,
    T0,
    WATCHER,
    ZHE_POLICE,
    ZJ,
    filing,
    replay,
    state,
    violation,
)
from tests.unit.projections.agreement import ReadModelMirror, assert_version_1_publishes_the_same
from xborder.domain.errors import DomainError
from xborder.domain.money import Money
from xborder.workflows.objection.aggregate import ObjectionStatus, ViolationObjection

S = ObjectionStatus
OPEN = frozenset({S.FORWARDED, S.UNDER_REVIEW, S.EVIDENCE_REQUESTED})
DECIDED_UPHELD = frozenset({S.UPHELD, S.REFUNDED})
TERMINAL = frozenset({S.DISMISSED, S.WITHDRAWN})

actors = st.sampled_from([DRIVER, OTHER_DRIVER, CHUAN_POLICE, ZHE_POLICE, HU_POLICE, CHUAN_ADMIN, WATCHER])


def favouring(*allowed: Any) -> st.SearchStrategy[Any]:
    """Mostly an actor allowed to do it, sometimes anyone: so random runs get past the first steps."""
    return st.one_of(st.sampled_from(allowed), st.sampled_from(allowed), actors)


texts = st.sampled_from(["ok", " 号牌识别错误 ", "请补充照片", "", "   "])
evidence_lists = st.lists(st.sampled_from(["doc:1", " photo:2 ", "", "  "]), max_size=3)
DEADLINE_NAMES = ["objection_review", "record_elimination", "bogus"]
# Forward only: from a second to well beyond the 5- and 3-working-day clocks.
steps = st.one_of(
    st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=2)),
    st.timedeltas(min_value=timedelta(days=2), max_value=timedelta(days=20)),
)


class ObjectionMachine(RuleBasedStateMachine):
    objection: ViolationObjection
    events: list[Any]
    now: datetime
    terminal: tuple[S, int] | None
    fine: int

    @initialize(
        filer=st.sampled_from([DRIVER, CHUAN_POLICE]),
        penalty_decided=st.booleans(),
        fine=st.sampled_from([0, 50, 200, 200, 2000]),
        points=st.sampled_from([0, 1, 3, 6, 9, 12]),
    )
    def start(self, filer: Any, penalty_decided: bool, fine: int, points: int) -> None:
        self.now = T0
        self.fine = fine
        objection = filing(
            violation=violation(penalty_decided=penalty_decided, fine=Money(fine), points=points)
        )
        self.objection = ViolationObjection.file(objection, actor=filer, at=T0, policy=POLICY)
        self.events = list(self.objection.collect_events())
        self.read_model = ReadModelMirror("ViolationObjection")
        assert len(self.events) == 2
        self.terminal = None
        # How often each command went through or was refused: to check, when tuning the strategies,
        # that random runs do get past the first steps (not asserted: it varies by run).
        self.outcomes: dict[str, int] = {}

    # ---------------------------------------------------------------- helpers
    def attempt(self, name: str, command: Callable[[], object], *, recorded: int = 1) -> None:
        """Run a command; a refusal must be a DomainError and must leave nothing behind."""
        before = state(self.objection)
        try:
            command()
        except DomainError:
            assert self.objection.pending_events == []
            assert state(self.objection) == before
            self.outcomes[f"{name}:refused"] = self.outcomes.get(f"{name}:refused", 0) + 1
            return
        new = self.objection.collect_events()
        assert len(new) == recorded
        assert all(e.at == self.now for e in new)
        self.events.extend(new)
        self.outcomes[f"{name}:ok"] = self.outcomes.get(f"{name}:ok", 0) + 1

    # ------------------------------------------------------------------ rules
    @rule(step=steps)
    def advance_clock(self, step: timedelta) -> None:
        self.now += step

    @rule(actor=favouring(ZHE_POLICE))
    def start_review(self, actor: Any) -> None:
        self.attempt("start_review", lambda: self.objection.start_review(actor=actor, at=self.now))

    @rule(actor=favouring(ZHE_POLICE), request=texts)
    def request_evidence(self, actor: Any, request: str) -> None:
        self.attempt(
            "request_evidence",
            lambda: self.objection.request_evidence(request, actor=actor, at=self.now),
        )

    @rule(actor=favouring(CHUAN_POLICE), evidence=evidence_lists, note=texts)
    def supply_evidence(self, actor: Any, evidence: list[str], note: str) -> None:
        self.attempt(
            "supply_evidence",
            lambda: self.objection.supply_evidence(evidence, note, actor=actor, at=self.now),
        )

    @rule(actor=favouring(ZHE_POLICE), upheld=st.booleans(), reason=texts)
    def decide(self, actor: Any, upheld: bool, reason: str) -> None:
        # Upholding a decided penalty revokes it in the same command.
        recorded = 2 if upheld and self.objection.penalty_decided else 1
        self.attempt(
            "decide",
            lambda: self.objection.decide(upheld, reason, actor=actor, at=self.now, policy=POLICY),
            recorded=recorded,
        )

    @rule(actor=favouring(ZHE_POLICE))
    def eliminate_record(self, actor: Any) -> None:
        self.attempt("eliminate_record", lambda: self.objection.eliminate_record(actor=actor, at=self.now))

    @rule(actor=favouring(ZHE_POLICE), data=st.data())
    def complete_refund(self, actor: Any, data: st.DataObject) -> None:
        amount = data.draw(
            st.one_of(st.just(self.fine), st.integers(min_value=0, max_value=2 * self.fine + 2))
        )
        self.attempt(
            "complete_refund",
            lambda: self.objection.complete_refund(Money(amount), actor=actor, at=self.now),
        )

    @rule(actor=favouring(DRIVER, CHUAN_POLICE), reason=texts)
    def withdraw(self, actor: Any, reason: str) -> None:
        self.attempt("withdraw", lambda: self.objection.withdraw(reason, actor=actor, at=self.now))

    @rule(upheld=st.booleans(), ask=st.booleans())
    def proceed(self, upheld: bool, ask: bool) -> None:
        """The expected next step, done right: random runs otherwise rarely get to a refund."""
        o = self.objection
        refund_due = o.penalty_revoked and o.fine > 0 and o.status == S.UPHELD
        if o.status == S.FORWARDED:
            self.attempt("proceed", lambda: o.start_review(actor=ZHE_POLICE, at=self.now))
        elif o.status == S.UNDER_REVIEW and ask:
            self.attempt("proceed", lambda: o.request_evidence("补充照片", actor=ZHE_POLICE, at=self.now))
        elif o.status == S.UNDER_REVIEW:
            self.attempt(
                "proceed",
                lambda: o.decide(upheld, "复核", actor=ZHE_POLICE, at=self.now, policy=POLICY),
                recorded=2 if upheld and o.penalty_decided else 1,
            )
        elif o.status == S.EVIDENCE_REQUESTED:
            self.attempt("proceed", lambda: o.supply_evidence(["doc:1"], "", actor=CHUAN_POLICE, at=self.now))
        elif refund_due and (ask or o.record_eliminated):
            self.attempt("proceed", lambda: o.complete_refund(Money(o.fine), actor=ZHE_POLICE, at=self.now))
        elif o.status in DECIDED_UPHELD and not o.record_eliminated:
            self.attempt("proceed", lambda: o.eliminate_record(actor=ZHE_POLICE, at=self.now))

    @rule(data=st.data())
    def mark_overdue(self, data: st.DataObject) -> None:
        # Any name, open clocks more often: the watcher asks about what it saw open.
        o = self.objection
        name = data.draw(st.sampled_from([*sorted(o.deadlines) * 2, *DEADLINE_NAMES]))
        deadline = o.deadlines.get(name)
        expected = deadline is not None and not deadline.overdue and self.now > deadline.due
        status = o.status
        recorded = o.mark_overdue(name, self.now, WATCHER)
        assert recorded is expected
        new = o.collect_events()
        assert len(new) == (1 if recorded else 0)
        assert o.status == status  # an overdue clock never decides the case
        if recorded:
            assert new[0].deadline == name
            assert o.deadlines[name].overdue is True
            self.events.extend(new)

    # ------------------------------------------------------------- invariants
    @invariant()
    def status_is_an_objection_status(self) -> None:
        assert isinstance(self.objection.status, ObjectionStatus)

    @invariant()
    def roles_never_change(self) -> None:
        assert self.objection.roles == {SC: "handling", ZJ: "recording"}

    @invariant()
    def version_counts_the_events(self) -> None:
        assert self.objection.version == len(self.events)
        assert [e.originator_version for e in self.events] == list(range(1, len(self.events) + 1))

    @invariant()
    def closed_cases_never_change(self) -> None:
        o = self.objection
        if self.terminal is not None:
            assert (o.status, o.version) == self.terminal
        elif o.status in TERMINAL:
            self.terminal = (o.status, o.version)

    @invariant()
    def review_clock_runs_exactly_while_open(self) -> None:
        o = self.objection
        assert ("objection_review" in o.deadlines) is (o.status in OPEN)
        assert o.is_open is (o.status in OPEN)

    @invariant()
    def elimination_clock_runs_only_after_upholding(self) -> None:
        o = self.objection
        if "record_elimination" in o.deadlines:
            assert o.status in DECIDED_UPHELD
        # ... and exactly until the record is eliminated.
        assert ("record_elimination" in o.deadlines) is (
            o.status in DECIDED_UPHELD and not o.record_eliminated
        )
        assert set(o.deadlines) <= {"objection_review", "record_elimination"}
        for name, deadline in o.deadlines.items():
            assert deadline.name == name

    @invariant()
    def refund_only_of_a_revoked_penalty(self) -> None:
        o = self.objection
        assert o.penalty_revoked is (o.status in DECIDED_UPHELD and o.penalty_decided)
        assert (o.refunded is not None) is (o.status == S.REFUNDED)
        if o.refunded is not None:
            assert 0 < o.refunded <= 2 * o.fine

    @invariant()
    def replay_gives_the_same_aggregate(self) -> None:
        assert state(replay(self.events)) == state(self.objection)

    # ----------------------------------------------- the domain decides, readers copy
    @invariant()
    def read_model_agrees_with_the_aggregate(self) -> None:
        """After every step, a province's document — built from the new events' envelopes by the read
        model's own code — holds the aggregate's status, awaiting and clocks (due and overdue)."""
        self.read_model.catch_up(self.events)
        self.read_model.assert_agrees_with(self.objection)

    def teardown(self) -> None:
        """The same history stored before events carried their decisions publishes the same envelopes."""
        if hasattr(self, "events"):
            assert_version_1_publishes_the_same("ViolationObjection", self.events)


ObjectionMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=30, deadline=None)
test_objection_state_machine = ObjectionMachine.TestCase
