"""VehicleTransfer under random commands: whatever anyone does, the case stays consistent and replayable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.unit.domain.transfer_builders import (
    ALICE,
    BOB,
    CHUAN,
    HOLD,
    HU,
    POLICE_CQ,
    POLICE_SC,
    POLICY,
    T0,
    WATCHER,
    YU,
    apply,
    replay,
    state,
)
from tests.unit.projections.agreement import ReadModelMirror, assert_version_1_publishes_the_same
from xborder.domain.errors import DomainError
from xborder.domain.plates import Plate
from xborder.workflows.transfer.aggregate import RefusalReason, TransferStatus, VehicleTransfer

S = TransferStatus

# Which clocks run in which status: exactly these, no more, no fewer.
DEADLINES_BY_STATUS: dict[S, frozenset[str]] = {
    S.ARCHIVE_REQUESTED: frozenset({"archive_release"}),
    S.ARCHIVE_RELEASED: frozenset({"archive_verification", "transfer_lapse"}),
    S.ARCHIVE_VERIFIED: frozenset({"transfer_lapse"}),
    S.INSPECTED: frozenset({"registration", "transfer_lapse"}),
    S.REGISTERED: frozenset(),
    S.REFUSED: frozenset(),
    S.ARCHIVE_REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.LAPSED: frozenset(),
}

actors = st.sampled_from([ALICE, BOB, YU, CHUAN, HU, POLICE_SC, POLICE_CQ, WATCHER])


def favouring(actor: Any) -> st.SearchStrategy[Any]:
    """Mostly the actor allowed to do it, sometimes anyone: so random runs get past the first steps."""
    return st.one_of(st.just(actor), st.just(actor), actors)


texts = st.sampled_from(["ok", " 档案不符 ", "VIN mismatch", "", "   "])
reason_codes = st.lists(
    st.sampled_from([*(r.value for r in RefusalReason), "bribery", "", "STOLEN"]), max_size=3
)
inspection_reasons = st.lists(st.sampled_from(["", "  ", "rust", "VIN rubbing unreadable"]), max_size=3)
plates = st.sampled_from(["渝B12345", "渝AD12345", "川B54321", "沪A12345"])
DEADLINE_NAMES = ["archive_release", "archive_verification", "registration", "transfer_lapse", "bogus"]
# Forward only: from a second to well beyond the 30-day lapse.
steps = st.one_of(
    st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=2)),
    st.timedeltas(min_value=timedelta(days=2), max_value=timedelta(days=40)),
)


class TransferMachine(RuleBasedStateMachine):
    transfer: VehicleTransfer
    events: list[Any]
    now: datetime
    terminal: tuple[S, int] | None

    @initialize()
    def start(self) -> None:
        self.now = T0
        self.transfer = apply(T0)
        self.events = list(self.transfer.collect_events())
        self.read_model = ReadModelMirror("VehicleTransfer")
        self.terminal = None
        # How often each command went through or was refused: to check, when tuning the strategies,
        # that random runs do get past the first steps (not asserted: it varies by run).
        self.outcomes: dict[str, int] = {}

    # ---------------------------------------------------------------- helpers
    def attempt(self, name: str, command: Callable[[], object]) -> None:
        """Run a command; a refusal must be a DomainError and must leave nothing behind."""
        before = state(self.transfer)
        try:
            command()
        except DomainError:
            assert self.transfer.pending_events == []
            assert state(self.transfer) == before
            self.outcomes[f"{name}:refused"] = self.outcomes.get(f"{name}:refused", 0) + 1
            return
        new = self.transfer.collect_events()
        assert len(new) == 1
        assert new[0].at == self.now
        self.events.extend(new)
        self.outcomes[f"{name}:ok"] = self.outcomes.get(f"{name}:ok", 0) + 1

    # ------------------------------------------------------------------ rules
    @rule(step=steps)
    def advance_clock(self, step: timedelta) -> None:
        self.now += step

    @rule(actor=favouring(CHUAN), ref=texts, held=st.booleans())
    def release(self, actor: Any, ref: str, held: bool) -> None:
        holds = [HOLD] if held else []
        self.attempt(
            "release",
            lambda: self.transfer.release_archive(ref, actor=actor, at=self.now, policy=POLICY, holds=holds),
        )

    @rule(actor=favouring(CHUAN), reasons=reason_codes, detail=texts)
    def refuse(self, actor: Any, reasons: list[str], detail: str) -> None:
        self.attempt("refuse", lambda: self.transfer.refuse(reasons, detail, actor=actor, at=self.now))

    @rule(actor=favouring(YU), accepted=st.booleans(), reason=texts)
    def verify(self, actor: Any, accepted: bool, reason: str) -> None:
        self.attempt(
            "verify", lambda: self.transfer.verify_archive(accepted, reason, actor=actor, at=self.now)
        )

    @rule(actor=favouring(YU), passed=st.booleans(), reasons=inspection_reasons, evidence=inspection_reasons)
    def inspect(self, actor: Any, passed: bool, reasons: list[str], evidence: list[str]) -> None:
        self.attempt(
            "inspect",
            lambda: self.transfer.inspect(passed, reasons, evidence, actor=actor, at=self.now, policy=POLICY),
        )

    @rule(actor=favouring(YU), plate=plates)
    def register(self, actor: Any, plate: str) -> None:
        self.attempt("register", lambda: self.transfer.register(Plate.parse(plate), actor=actor, at=self.now))

    @rule(actor=actors, reason=texts)
    def withdraw(self, actor: Any, reason: str) -> None:
        self.attempt("withdraw", lambda: self.transfer.withdraw(reason, actor=actor, at=self.now))

    @rule(evidence=inspection_reasons)
    def proceed(self, evidence: list[str]) -> None:
        """The expected next step, done right: random runs otherwise rarely reach registration."""
        t = self.transfer
        step: dict[S, Callable[[], object]] = {
            S.ARCHIVE_REQUESTED: lambda: t.release_archive("ARC-1", actor=CHUAN, at=self.now, policy=POLICY),
            S.ARCHIVE_RELEASED: lambda: t.verify_archive(True, "", actor=YU, at=self.now),
            S.ARCHIVE_VERIFIED: lambda: t.inspect(True, [], evidence, actor=YU, at=self.now, policy=POLICY),
            S.INSPECTED: lambda: t.register(Plate.parse("渝B12345"), actor=YU, at=self.now),
        }
        if t.status in step:
            self.attempt("proceed", step[t.status])

    @rule(data=st.data())
    def mark_overdue(self, data: st.DataObject) -> None:
        # Any name, open clocks more often: the watcher asks about what it saw open.
        name = data.draw(st.sampled_from([*sorted(self.transfer.deadlines) * 2, *DEADLINE_NAMES]))
        deadline = self.transfer.deadlines.get(name)
        expected = deadline is not None and not deadline.overdue and self.now > deadline.due
        recorded = self.transfer.mark_overdue(name, self.now, WATCHER)
        assert recorded is expected
        new = self.transfer.collect_events()
        assert len(new) == (1 if recorded else 0)
        if recorded:
            assert new[0].deadline == name
            self.events.extend(new)

    # ------------------------------------------------------------- invariants
    @invariant()
    def status_is_a_transfer_status(self) -> None:
        assert isinstance(self.transfer.status, TransferStatus)

    @invariant()
    def version_counts_the_events(self) -> None:
        assert self.transfer.version == len(self.events)
        assert [e.originator_version for e in self.events] == list(range(1, len(self.events) + 1))

    @invariant()
    def terminal_is_final(self) -> None:
        t = self.transfer
        if self.terminal is not None:
            assert (t.status, t.version) == self.terminal
        elif t.is_terminal:
            self.terminal = (t.status, t.version)

    @invariant()
    def deadlines_match_status(self) -> None:
        t = self.transfer
        assert set(t.deadlines) == DEADLINES_BY_STATUS[t.status]
        for name, deadline in t.deadlines.items():
            assert deadline.name == name

    @invariant()
    def replay_gives_the_same_aggregate(self) -> None:
        assert state(replay(self.events)) == state(self.transfer)

    # ----------------------------------------------- the domain decides, readers copy
    @invariant()
    def read_model_agrees_with_the_aggregate(self) -> None:
        """After every step, a province's document — built from the new events' envelopes by the read
        model's own code — holds the aggregate's status, awaiting and clocks (due and overdue)."""
        self.read_model.catch_up(self.events)
        self.read_model.assert_agrees_with(self.transfer)

    def teardown(self) -> None:
        """The same history stored before events carried their decisions publishes the same envelopes."""
        if hasattr(self, "events"):
            assert_version_1_publishes_the_same("VehicleTransfer", self.events)


TransferMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=30, deadline=None)
test_transfer_state_machine = TransferMachine.TestCase
