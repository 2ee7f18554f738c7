"""HitAndRunCase under random commands: whoever does whatever, whenever, with targets added over time,
the suspect vehicle amended, the case suspended and reopened, interim determinations asked for — the
case stays consistent and replayable, and the vehicle hold follows the suspect plate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.support.workflows import CONTRACTS, holds_of
from tests.unit.domain.hit_and_run_builders import (
    CHUAN_INV,
    CHUAN_POLICE,
    GUI,
    GUI_INV,
    HU,
    HU_INV,
    PLATE,
    POLICY,
    SC,
    SHAAN,
    SHAAN_INV,
    SUSPECT,
    T0,
    WATCHER,
    YU,
    YU_INV,
    YU_POLICE,
    YUN,
    YUN_INV,
    ack,
    incident,
    replay,
    state,
    vehicle,
)
from tests.unit.projections.agreement import (
    ReadModelMirror,
    assert_version_1_publishes_the_same,
    stored_and_read,
)
from xborder.domain.errors import DomainError
from xborder.domain.plates import Plate
from xborder.infra.contracts import envelope_from_event
from xborder.workflows.hit_and_run.aggregate import (
    HitAndRunCase,
    HitAndRunStatus,
    Outcome,
    Suspect,
    SuspectVehicle,
)

S = HitAndRunStatus
TERMINAL = frozenset({S.CLOSED, S.TRANSFERRED_TO_CRIMINAL})
DETERMINATION_RUNS = frozenset({S.SUSPECT_APPREHENDED, S.HANDED_OVER, S.SOLVED})
UNSOLVED = frozenset({S.OPEN, S.ASSISTANCE_REQUESTED})
WITHDRAWN = frozenset({S.SOLVED, *TERMINAL})
CAN_WIDEN = frozenset({S.ASSISTANCE_REQUESTED, S.SUSPECT_APPREHENDED})
TARGET_INVESTIGATORS = (YU_INV, GUI_INV, YUN_INV, SHAAN_INV)
ALL_ACTORS = (CHUAN_INV, *TARGET_INVESTIGATORS, HU_INV, CHUAN_POLICE, YU_POLICE, WATCHER)
CODES = (YU, GUI, YUN, SHAAN, HU)

actors = st.sampled_from(ALL_ACTORS)


def favouring(*allowed: Any) -> st.SearchStrategy[Any]:
    """Mostly an actor allowed to do it, sometimes anyone: so random runs get past the first steps."""
    return st.one_of(st.sampled_from(allowed), st.sampled_from(allowed), actors)


# Mostly real targets, sometimes the incident province, an unknown code or nothing at all.
target_lists = st.one_of(
    st.lists(st.sampled_from(CODES), min_size=1, max_size=3),
    st.lists(st.sampled_from([*CODES, SC, "999999"]), max_size=3),
)
hours = st.one_of(st.none(), st.sampled_from([1, 6, 12, 24]), st.integers(min_value=-1, max_value=30))
texts = st.sampled_from(["卡口抓拍到疑似车辆", "  路面监控发现 ", "", "   "])
points = st.one_of(st.sampled_from([0, 1, 3, 6, 9, 12]), st.integers(min_value=-1, max_value=13))
names = st.sampled_from(["王五", " 赵六 ", "", "  "])
plates = st.sampled_from([PLATE, "渝B12345", "川A1234D"])
# What the incident province may amend the suspect vehicle to: another plate, only part of one,
# a description alone, or nothing at all (refused).
amended_vehicles = st.sampled_from(
    [
        vehicle(plate=Plate.parse("川A54321")),
        vehicle(plate=Plate.parse(PLATE)),
        vehicle(),
        vehicle(plate_partial=None, color="黑色"),
        vehicle(plate_partial=None, color="", model=""),
    ]
)
reasons = st.sampled_from(["号牌系目击者误认", "  线索穷尽 ", "", "  "])
# Forward only: from a second to well beyond the hour-based and 10-working-day clocks.
steps = st.one_of(
    st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=30)),
    st.timedeltas(min_value=timedelta(days=1), max_value=timedelta(days=20)),
)


class HitAndRunMachine(RuleBasedStateMachine):
    case: HitAndRunCase
    events: list[Any]
    now: datetime
    terminal: tuple[S, int] | None
    requested: list[str]

    @initialize(plate_known=st.booleans())
    def start(self, plate_known: bool) -> None:
        self.now = T0
        described = vehicle(plate=Plate.parse(PLATE)) if plate_known else vehicle()
        self.case = HitAndRunCase.open(incident(suspect_vehicle=described), actor=CHUAN_INV, at=T0)
        self.events = list(self.case.collect_events())
        self.read_model = ReadModelMirror("HitAndRunCase")
        assert len(self.events) == 1
        self.terminal = None
        self.requested = []  # every target ever sent the request, in order
        self.held: str | None = PLATE if plate_known else None  # the plate the holds table holds
        # How often each command went through or was refused: to check, when tuning the strategies,
        # that random runs do get past the first steps (not asserted: it varies by run).
        self.outcomes: dict[str, int] = {}

    # ---------------------------------------------------------------- helpers
    def attempt(self, name: str, command: Callable[[], object], *, recorded: int = 1) -> list[Any]:
        """Run a command; a refusal must be a DomainError and must leave nothing behind."""
        before = state(self.case)
        try:
            command()
        except DomainError:
            assert self.case.pending_events == []
            assert state(self.case) == before
            self.outcomes[f"{name}:refused"] = self.outcomes.get(f"{name}:refused", 0) + 1
            return []
        new = self.case.collect_events()
        assert len(new) == recorded
        for event in new:
            assert event.at == self.now
            assert event.provinces == self.case.provinces
            kind = type(event).__name__
            if kind == "AssistanceRequested":
                assert event.joined == event.targets
                assert not set(event.targets) & set(self.requested)
                self.requested.extend(event.targets)
            else:
                assert event.joined == []
            if kind == "CaseSolved":
                # 按原范围撤销: exactly the provinces the request ever went to.
                assert event.withdrawn_from == self.requested
            self.follow_holds(event)
        self.events.extend(new)
        self.outcomes[f"{name}:ok"] = self.outcomes.get(f"{name}:ok", 0) + 1
        return new

    def follow_holds(self, event: Any) -> None:
        """Apply the event's hold changes (the holds table's rules, from its envelope) to `held`."""
        envelope = envelope_from_event("HitAndRunCase", stored_and_read(event), CONTRACTS["HitAndRunCase"])
        for change in holds_of(envelope):
            self.held = change.plate if change.active else None

    # ------------------------------------------------------------------ rules
    @rule(step=steps)
    def advance_clock(self, step: timedelta) -> None:
        self.now += step

    @rule(actor=favouring(CHUAN_INV), codes=target_lists, window=hours)
    def request_assistance(self, actor: Any, codes: list[str], window: int | None) -> None:
        c = self.case
        before = set(c.roles)
        new = self.attempt(
            "request_assistance",
            lambda: c.request_assistance(codes, window, actor=actor, at=self.now, policy=POLICY),
        )
        if new:
            (event,) = new
            assert event.joined == event.targets == sorted(set(codes))
            assert not set(event.joined) & before
            expected_hours = 24 if window is None else window
            assert event.ack_within_hours == expected_hours
            # hour-based clocks are kept to the second
            due = (self.now + timedelta(hours=expected_hours)).replace(microsecond=0)
            assert event.opens == dict.fromkeys(map(ack, event.targets), due)

    @rule(actor=favouring(*TARGET_INVESTIGATORS))
    def acknowledge(self, actor: Any) -> None:
        self.attempt("acknowledge", lambda: self.case.acknowledge(actor=actor, at=self.now))

    @rule(actor=favouring(*TARGET_INVESTIGATORS), hit=st.booleans(), details=texts)
    def report_clue(self, actor: Any, hit: bool, details: str) -> None:
        self.attempt("report_clue", lambda: self.case.report_clue(hit, details, actor=actor, at=self.now))

    @rule(actor=favouring(CHUAN_INV, *TARGET_INVESTIGATORS), plate=plates, name=names, seized=st.booleans())
    def apprehend(self, actor: Any, plate: str, name: str, seized: bool) -> None:
        suspect = Suspect(name, SUSPECT.id_number)
        self.attempt(
            "apprehend",
            lambda: self.case.apprehend(
                Plate.parse(plate), suspect, seized, actor=actor, at=self.now, policy=POLICY
            ),
        )

    @rule(actor=favouring(CHUAN_INV))
    def take_handover(self, actor: Any) -> None:
        self.attempt("take_handover", lambda: self.case.take_handover(actor=actor, at=self.now))

    @rule(actor=favouring(CHUAN_INV))
    def solve(self, actor: Any) -> None:
        self.attempt("solve", lambda: self.case.solve(actor=actor, at=self.now))

    @rule(actor=favouring(CHUAN_INV), outcome=st.sampled_from(Outcome), points=points)
    def determine(self, actor: Any, outcome: Outcome, points: int) -> None:
        self.attempt(
            "determine",
            lambda: self.case.determine(outcome, points, actor=actor, at=self.now),
            recorded=2,
        )

    @rule(actor=favouring(CHUAN_INV), summary=texts)
    def interim(self, actor: Any, summary: str) -> None:
        self.attempt(
            "interim", lambda: self.case.issue_interim_determination(summary, actor=actor, at=self.now)
        )

    @rule(actor=favouring(CHUAN_INV), reference=texts)
    def request_interim(self, actor: Any, reference: str) -> None:
        c = self.case
        pending = c.interim_requested
        new = self.attempt(
            "request_interim",
            lambda: c.request_interim_determination(reference, actor=actor, at=self.now, policy=POLICY),
        )
        if new:  # 146号令 Art 66: its own clock, 10 working days from the request
            assert not pending
            (event,) = new
            assert list(event.opens) == ["interim_determination"]
            assert event.opens["interim_determination"] > self.now + timedelta(days=10)

    @rule(actor=favouring(CHUAN_INV), amended=amended_vehicles, reason=reasons)
    def amend_suspect_vehicle(self, actor: Any, amended: SuspectVehicle, reason: str) -> None:
        c = self.case
        before = c.suspect_plate
        new = self.attempt(
            "amend", lambda: c.amend_suspect_vehicle(amended, reason, actor=actor, at=self.now)
        )
        if new:
            (event,) = new
            now_named = amended.plate.value if amended.plate else None
            assert event.released_plate == (before if before not in (None, now_named) else None)
            assert event.reason == reason.strip() != ""
            assert (event.opens, event.closes) == ({}, [])

    @rule(actor=favouring(CHUAN_INV), reason=reasons)
    def suspend(self, actor: Any, reason: str) -> None:
        c = self.case
        pending = c.interim_requested
        if self.attempt("suspend", lambda: c.suspend(reason, actor=actor, at=self.now)):
            assert not pending  # the victim's request is answered first (146号令 Art 66)

    @rule(actor=favouring(CHUAN_INV), reason=reasons)
    def reopen(self, actor: Any, reason: str) -> None:
        c = self.case
        new = self.attempt("reopen", lambda: c.reopen(reason, actor=actor, at=self.now, policy=POLICY))
        if new:
            (event,) = new
            unanswered = [code for code in c.targets if code not in c.acknowledged]
            assert sorted(event.opens) == sorted(ack(code) for code in unanswered)

    # The expected next step, done right: random runs otherwise rarely get to a determination. Two
    # rules, so it is drawn as often as the rest together; sometimes the step is sending the request
    # to one more province, captured case or not.
    @rule(responder=st.sampled_from(TARGET_INVESTIGATORS), criminal=st.booleans(), widen=st.booleans())
    def proceed(self, responder: Any, criminal: bool, widen: bool) -> None:
        self.next_step(responder, criminal, widen)

    @rule(responder=st.sampled_from(TARGET_INVESTIGATORS), criminal=st.booleans(), widen=st.booleans())
    def proceed_again(self, responder: Any, criminal: bool, widen: bool) -> None:
        self.next_step(responder, criminal, widen)

    def next_step(self, responder: Any, criminal: bool, widen: bool) -> None:
        c = self.case
        if c.status == S.SUSPENDED:
            self.attempt(
                "proceed", lambda: c.reopen("发现新线索", actor=CHUAN_INV, at=self.now, policy=POLICY)
            )
            return
        outsider = responder.province not in c.roles
        if outsider and (c.status == S.ASSISTANCE_REQUESTED or (widen and c.status in CAN_WIDEN)):
            self.attempt(
                "proceed",
                lambda: c.request_assistance(
                    [responder.province], None, actor=CHUAN_INV, at=self.now, policy=POLICY
                ),
            )
        elif c.status == S.OPEN:
            self.attempt(
                "proceed",
                lambda: c.request_assistance([YU, GUI], 12, actor=CHUAN_INV, at=self.now, policy=POLICY),
            )
        elif c.status == S.ASSISTANCE_REQUESTED and responder.province not in c.acknowledged:
            self.attempt("proceed", lambda: c.acknowledge(actor=responder, at=self.now))
        elif c.status == S.ASSISTANCE_REQUESTED:
            self.attempt(
                "proceed",
                lambda: c.apprehend(
                    Plate.parse(PLATE), SUSPECT, True, actor=responder, at=self.now, policy=POLICY
                ),
            )
        elif c.status == S.SUSPECT_APPREHENDED:
            self.attempt("proceed", lambda: c.take_handover(actor=CHUAN_INV, at=self.now))
        elif c.status == S.HANDED_OVER:
            self.attempt("proceed", lambda: c.solve(actor=CHUAN_INV, at=self.now))
        elif c.status == S.SOLVED:
            outcome = Outcome.CRIMINAL if criminal else Outcome.CLOSED
            self.attempt(
                "proceed",
                lambda: c.determine(outcome, None, actor=CHUAN_INV, at=self.now),
                recorded=2,
            )

    @rule(data=st.data())
    def mark_overdue(self, data: st.DataObject) -> None:
        # Any name, open clocks more often: the watcher asks about what it saw open.
        c = self.case
        name = data.draw(
            st.sampled_from(
                [
                    *sorted(c.deadlines) * 2,
                    *(ack(code) for code in (*CODES, SC)),
                    "determination",
                    "interim_determination",
                    "bogus",
                ]
            )
        )
        deadline = c.deadlines.get(name)
        expected = deadline is not None and not deadline.overdue and self.now > deadline.due
        status, others = c.status, {n: d.overdue for n, d in c.deadlines.items() if n != name}
        recorded = c.mark_overdue(name, self.now, WATCHER)
        assert recorded is expected
        new = c.collect_events()
        assert len(new) == (1 if recorded else 0)
        assert c.status == status  # an overdue clock never decides the case
        assert {n: d.overdue for n, d in c.deadlines.items() if n != name} == others  # nobody else's
        if recorded:
            (event,) = new
            kind = {
                "determination": "DeterminationOverdue",
                "interim_determination": "InterimDeterminationOverdue",
            }.get(name, "AcknowledgementOverdue")
            assert type(event).__name__ == kind
            assert (event.deadline, event.joined) == (name, [])
            assert c.deadlines[name].overdue is True
            self.events.extend(new)

    # ------------------------------------------------------------- invariants
    @invariant()
    def status_is_a_hit_and_run_status(self) -> None:
        assert isinstance(self.case.status, HitAndRunStatus)

    @invariant()
    def version_counts_the_events(self) -> None:
        assert self.case.version == len(self.events)
        assert [e.originator_version for e in self.events] == list(range(1, len(self.events) + 1))

    @invariant()
    def replay_gives_the_same_aggregate(self) -> None:
        assert state(replay(self.events)) == state(self.case)

    @invariant()
    def closed_cases_never_change(self) -> None:
        c = self.case
        if self.terminal is not None:
            assert (c.status, c.version) == self.terminal
        elif c.status in TERMINAL:
            self.terminal = (c.status, c.version)

    @invariant()
    def roles_are_the_incident_and_every_target_ever_requested(self) -> None:
        c = self.case
        assert c.roles == {SC: "incident", **dict.fromkeys(self.requested, "target")}
        assert c.targets == self.requested
        assert len(set(c.targets)) == len(c.targets)
        assert c.acknowledged <= set(c.targets)

    @invariant()
    def every_target_has_its_clock_or_acknowledged_or_was_withdrawn(self) -> None:
        c = self.case
        suspended = c.status == S.SUSPENDED
        for code in c.targets:
            running = ack(code) in c.deadlines
            assert running or code in c.acknowledged or c.withdrawn or suspended
            # ... and exactly one of these explains the state of its clock
            assert running is (code not in c.acknowledged and not c.withdrawn and not suspended)
        acks = {n for n in c.deadlines if n.startswith("assistance_ack:")}
        assert acks <= {ack(code) for code in c.targets}

    @invariant()
    def no_acknowledgement_clock_after_solving(self) -> None:
        c = self.case
        assert c.withdrawn is (c.status in WITHDRAWN)
        if c.status in WITHDRAWN:
            assert not any(n.startswith("assistance_ack:") for n in c.deadlines)

    @invariant()
    def determination_clock_runs_exactly_from_capture_to_determination(self) -> None:
        c = self.case
        assert ("determination" in c.deadlines) is (c.status in DETERMINATION_RUNS)
        clocks = {"determination", "interim_determination", *(ack(code) for code in c.targets)}
        assert set(c.deadlines) <= clocks
        for name, deadline in c.deadlines.items():
            assert deadline.name == name
        if c.status in TERMINAL:
            assert c.deadlines == {}

    @invariant()
    def an_apprehension_names_a_target_or_the_incident_province(self) -> None:
        c = self.case
        caught = c.status not in (S.OPEN, S.ASSISTANCE_REQUESTED, S.SUSPENDED)
        assert (c.apprehended_by is not None) is caught
        if c.apprehended_by is not None:
            assert c.roles[c.apprehended_by] in ("target", "incident")
            if c.apprehended_by == SC:  # in the incident province's custody at once: no handover
                assert c.status != S.SUSPECT_APPREHENDED

    @invariant()
    def a_suspended_case_runs_no_clock_and_awaits_nobody(self) -> None:
        c = self.case
        if c.status == S.SUSPENDED:
            assert (c.deadlines, c.awaiting(), c.interim_requested) == ({}, [], False)

    @invariant()
    def the_interim_clock_runs_exactly_while_a_request_awaits_its_answer(self) -> None:
        """146号令 Art 66: 10 working days from the victim's written request, for an unsolved case."""
        c = self.case
        assert ("interim_determination" in c.deadlines) is c.interim_requested
        if c.interim_requested:
            assert c.status in UNSOLVED

    @invariant()
    def the_hold_follows_the_suspect_plate_until_the_case_ends(self) -> None:
        """The holds table, fed the case's envelopes, holds the plate the case names — amended,
        released or caught — and nothing once the case is over (a suspended case still holds)."""
        c = self.case
        assert self.held == (None if c.status in TERMINAL else c.suspect_plate)

    @invariant()
    def a_determination_carries_its_points_and_their_legal_basis(self) -> None:
        """163号令 Art 8 (2): 12 for a hit-and-run that is not a crime (6 under Art 10 (7) only when
        nobody died — never here, the incident killed one); none for a crime."""
        for event in self.events:
            if type(event).__name__ == "ResponsibilityDetermined":
                criminal = event.outcome == Outcome.CRIMINAL.value
                assert event.points == (0 if criminal else 12)
                assert event.legal_basis and ("第八条第二项" in event.legal_basis) is not criminal

    # ----------------------------------------------- the domain decides, readers copy
    @invariant()
    def read_model_agrees_with_the_aggregate(self) -> None:
        """After every step, a province's document — built from the new events' envelopes by the read
        model's own code — holds the aggregate's status, awaiting and clocks (due and overdue)."""
        self.read_model.catch_up(self.events)
        self.read_model.assert_agrees_with(self.case)

    def teardown(self) -> None:
        """The same history stored before events carried their decisions publishes the same envelopes."""
        if hasattr(self, "events"):
            assert_version_1_publishes_the_same("HitAndRunCase", self.events)


HitAndRunMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=40, deadline=None)
test_hit_and_run_state_machine = HitAndRunMachine.TestCase
