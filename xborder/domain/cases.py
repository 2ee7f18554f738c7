"""What every cross-province case has in common: events that say when, who, where and which clocks.

Each case event carries
- `at`: the domain time of the command, from the injected clock (the library's own `timestamp` is
  only the recording time);
- `actor`: who acted, so every province's history can say so;
- `provinces`: the provinces the case involves after this event — the relay routes on it, and each
  province's read model keeps exactly the events that name it;
- `joined`: the provinces this event brings into the case (a hit-and-run target added later): feeds
  replay the case's earlier events to them first, so they see its whole history;
- `opens` / `closes`: the deadlines this event starts (name -> due) and stops. Deadlines are computed
  here, from the zone terms and the working-day calendar, and stored when their clock starts, so a
  reader never recomputes them with a different calendar;
- `overdue`: the deadlines this event flags as passed (they stay open: the awaited act may come late);
- `status` / `awaiting`: the case's status after this event and who must act next — decided by the
  aggregate once the event is applied (`CaseAggregate.trigger_event`), so that every reader copies
  the domain's answer instead of re-deriving it from event names and drifting from it;
- `provisional`: of the deadlines it opens, those whose counting reached a year the holiday calendar
  did not know yet (name -> the limit counted, from the event's `at`), so that `DeadlineRevised` can
  recount them once the State Council's schedule for that year is added.

Events recorded before `overdue`, `status` and `awaiting` existed are class version 1, before
`provisional` version 2; `CaseEvent.upcast_v1_v2` and `upcast_v2_v3` say what they become when read.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar, Self, cast
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, CanInitAggregate, CanMutateAggregate

from xborder.domain.actors import Actor, Role
from xborder.domain.calendar import Due, TimeLimit, WorkingCalendar
from xborder.domain.errors import CaseNotFound, NotPermitted, RuleViolation, TransitionNotAllowed
from xborder.domain.visibility import may_see
from xborder.domain.zones import Term, ZoneBook

# One entry of `awaiting`: {"province", "role", "action", "deadline"} (plus "org" when one organisation
# of that role is meant, an insurer), exactly as the read models and `/v1/inbox` hold it.
Awaited = dict[str, Any]
# Who may do something to a case: role -> the province roles in the case it must act from (None: from
# any province the case involves, as the owner does). `CaseAggregate.authorize` applies it.
Allowed = Mapping[Role, Collection[str] | None]


def awaited(
    province: str, role: str, action: str, deadline: str | None, *, org: str | None = None
) -> Awaited:
    """An `awaiting` entry; `org` appears only when given, so the stored shape stays what readers know."""
    # str(): term names and roles are StrEnums; store their plain values, as JSON will hold them
    entry: Awaited = {
        "province": str(province),
        "role": str(role),
        "action": str(action),
        "deadline": None if deadline is None else str(deadline),
    }
    if org is not None:
        entry["org"] = str(org)
    return entry


logger = logging.getLogger("xborder.calendar")


class CaseEvent(Aggregate.Event):
    # 2: `overdue`, `status` and `awaiting` added (see `upcast_v1_v2`); 3: `provisional` (`upcast_v2_v3`).
    class_version = 3
    TOPIC: ClassVar[str]

    at: datetime
    actor: dict[str, Any]
    provinces: list[str]
    joined: list[str]
    opens: dict[str, datetime]
    closes: list[str]
    overdue: list[str]
    # None only on an event recorded before class version 2 (or one not yet decided, inside
    # `trigger_event`): `xborder.domain.history.decide_by_replay` recovers them by replaying the case.
    status: str | None
    awaiting: list[Awaited] | None
    # name -> {"amount", "unit"}: the opened deadlines counted past the calendar's known years
    provisional: dict[str, dict[str, Any]]

    def __init_subclass__(cls) -> None:
        """A stored event names its class by this topic, derived from where it is declared
        ("xborder:VehicleTransfer.ArchiveReleased.v1"), not from its module: moving a workflow's code
        leaves stored events readable. Renaming an event class would change it, so a renamed class
        pins its old topic in its body (`TOPIC = ...`); `tests/unit/test_stored_topics.py` lists every
        topic ever stored and fails when one would no longer resolve."""
        if "TOPIC" not in cls.__dict__:
            cls.TOPIC = f"xborder:{cls.__qualname__}.v1"
        super().__init_subclass__()

    def apply(self, aggregate: Any) -> None:
        aggregate.apply_case_event(self)
        self.apply_to(aggregate)

    def apply_to(self, aggregate: Any) -> None:
        """Workflow-specific state change; the common bookkeeping is already done."""

    @property
    def is_decided(self) -> bool:
        """Whether this event carries the status and awaiting the aggregate decided for it."""
        return self.status is not None and self.awaiting is not None

    @classmethod
    def upcast_v1_v2(cls, state: dict[str, Any]) -> None:
        """A version-1 event, as stored before the domain recorded its decisions on the event.

        - `overdue` is exact: version 1 already knew which events flag a deadline (`DeadlineOverdue`
          and its `deadline`), so `DeadlineOverdue.upcast_v1_v2` fills it in; nothing else flags one.
        - `status` and `awaiting` cannot be known from one event: a status may stay as it was (an
          overdue event, a clue, an insurer's notice) and who must act depends on the whole case.
          They are left None ("not recorded"); `xborder.domain.history.decide_by_replay` recovers
          them by replaying the case's events into its aggregate, which `envelopes_for` does, so a
          read model built from old events is the one the aggregate would have decided. Guessing
          here, from the event type alone, would give some old cases a wrong status for good.

        A classmethod (the library looks it up on the stored event's class), so subclasses extend it.
        """
        state["overdue"] = []
        state["status"] = None
        state["awaiting"] = None

    @classmethod
    def upcast_v2_v3(cls, state: dict[str, Any]) -> None:
        """Before `provisional`, no deadline was marked: each counted as if the calendar knew the
        year (which it did for every one stored before the calendar's horizon was tracked, 2026).
        `setdefault`: a state that has the attribute already (a test's re-labelled event) keeps it."""
        state.setdefault("provisional", {})


class StatusEvent(CaseEvent):
    """An event whose whole effect on the case is to move it to `STATUS` (a class attribute, never
    stored: the status the event carries is still the aggregate's decision, made after applying it)."""

    STATUS: ClassVar[str]

    def apply_to(self, aggregate: Any) -> None:
        aggregate.status = self.STATUS


class ReasonedStatusEvent(StatusEvent):
    """A status change someone must give a `reason` for (a withdrawal, a dismissal, a verdict)."""

    reason: str


class DeadlineOverdue(CaseEvent):
    """Recorded by the deadline watcher when a clock ran out without the awaited event.

    Each workflow's subclass names in `DEADLINE` the deadline it marks (a name ending in ":" stands for
    a family of deadlines named "<DEADLINE><qualifier>", one acknowledgement clock per target
    province); `CaseAggregate.OVERDUE_EVENTS` is collected from them."""

    DEADLINE: ClassVar[str]

    deadline: str

    @classmethod
    def upcast_v1_v2(cls, state: dict[str, Any]) -> None:
        """Version 1 flagged its `deadline` when applied (if still open), as `overdue` does now."""
        super().upcast_v1_v2(state)
        state["overdue"] = [state["deadline"]]


class OpeningEvent(Aggregate.Created, CaseEvent):
    """The event a case starts with: the library's "created" event (it makes the aggregate) and a
    CaseEvent like every later one. Each workflow's first event subclasses it and is recorded by
    `CaseAggregate.open_case`."""


# What `trigger_event` constructs an event with before the aggregate, having applied it, decides.
UNDECIDED: Mapping[str, None] = {"status": None, "awaiting": None}


class DeadlineRevised(CaseEvent):
    """Deadlines recounted after the holiday calendar learned a year they had been counted into
    (`CaseAggregate.revise_provisional`, run by `xborder calendar apply`): `opens` holds each one's
    new due instant (same name, same start, same limit) and `provisional` those still beyond the
    calendar; `reason` says why, for every province's history. Declared once here: each workflow's
    aggregate gets its own class (`<Aggregate>.DeadlineRevised`), as eventsourcing does for events
    declared on a base aggregate."""

    reason: str


@dataclass(slots=True)
class Deadline:
    name: str
    due: datetime
    overdue: bool = False
    # Bookkeeping for recounting (`revise_provisional`), not part of what a deadline is: when its clock
    # started (the opening event's `at`) and, while it is provisional, the limit counted.
    start: datetime | None = field(default=None, compare=False)
    provisional: TimeLimit | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    """Turns a term name into a due instant for the provinces of a case."""

    calendar: WorkingCalendar
    zones: ZoneBook
    # Years a provisional deadline has been counted into, so the warning is logged once per year.
    _warned: set[int] = field(default_factory=set, compare=False, repr=False)

    def due(self, term: Term, provinces: Iterable[str], start: datetime) -> Due:
        due = self.calendar.due(start, self.zones.limit(term, provinces))
        for year in sorted(due.missing - self._warned):
            self._warned.add(year)
            logger.warning(
                "the holiday calendar has no schedule for %s: deadlines counted into it are "
                "provisional until it is added (HOLIDAYS_FILE or a chinesecalendar upgrade, "
                "then `xborder calendar apply`)",
                year,
            )
        return due


class CaseAggregate(Aggregate):
    """Base of the four workflows' aggregates: status, roles of provinces, open deadlines."""

    KIND: ClassVar[str]
    TOPIC: ClassVar[str]
    TERMINAL: ClassVar[frozenset[str]] = frozenset()
    # deadline name -> the event class that marks it overdue (each one's `DEADLINE`); a key ending in
    # ":" stands for a family of deadlines named "<key><qualifier>"
    OVERDUE_EVENTS: ClassVar[Mapping[str, type[DeadlineOverdue]]] = {}

    class Created(Aggregate.Created):
        """The library gives every aggregate a generic "created" event class (`<Aggregate>.Created`,
        derived from this one) and, the aggregate's topic being pinned, insists that it has a pinned
        topic too. Nothing is ever recorded under it: a case starts with its workflow's `OpeningEvent`."""

        TOPIC: ClassVar[str]

        def __init_subclass__(cls) -> None:
            if "TOPIC" not in cls.__dict__:
                cls.TOPIC = f"xborder:{cls.__qualname__}"
            super().__init_subclass__()

    def __init_subclass__(cls, *, created_event_name: str = "") -> None:
        # Stored events name their aggregate by this topic ("xborder:VehicleTransfer"): derived like an
        # event's (`CaseEvent.__init_subclass__`), and pinned in the body should the class be renamed.
        if "TOPIC" not in cls.__dict__:
            cls.TOPIC = f"xborder:{cls.__qualname__}"
        super().__init_subclass__(created_event_name=created_event_name)
        # Collected only now: eventsourcing re-creates the event classes declared in an aggregate's
        # body while defining the class, so classes captured in the body are stale copies whose pinned
        # topic resolves to another class (trigger_event refuses them); these are the aggregate's own.
        cls.OVERDUE_EVENTS = {
            value.DEADLINE: value
            for value in vars(cls).values()
            if isinstance(value, type) and issubclass(value, DeadlineOverdue) and hasattr(value, "DEADLINE")
        }

    def __init__(self) -> None:
        self.status = ""
        self.roles: dict[str, str] = {}
        self.deadlines: dict[str, Deadline] = {}
        self.parties: set[str] = set()

    class DeadlineRevised(DeadlineRevised):
        pass

    # --- common bookkeeping, run for every event (live and on replay) ---
    def apply_case_event(self, event: CaseEvent) -> None:
        for name in event.closes:
            self.deadlines.pop(name, None)
        for name, due in event.opens.items():
            before = self.deadlines.get(name)
            # a revision recounts a clock: it keeps the moment the clock started
            start = before.start if before is not None and isinstance(event, DeadlineRevised) else event.at
            limit = event.provisional.get(name)
            self.deadlines[name] = Deadline(
                name=name, due=due, start=start, provisional=None if limit is None else TimeLimit(**limit)
            )
        for name in event.overdue:
            if name in self.deadlines:
                self.deadlines[name].overdue = True

    # --- what the domain decides after each event, carried on it ---
    def awaiting(self) -> list[Awaited]:
        """Who must act next, in the order readers list it; each workflow says. Nobody by default."""
        return []

    def decided(self, event: CaseEvent) -> CaseEvent:
        """`event` carrying this aggregate's status and awaiting — call it right after applying it."""
        decisions: dict[str, Any] = {"status": str(self.status), "awaiting": self.awaiting()}
        return replace(event, **decisions)

    def trigger_event(self, event_class: type[CanMutateAggregate[UUID]], **kwargs: Any) -> None:
        """The library's trigger_event, then the event's decisions from the state it produced: the
        aggregate decides after applying, so the event says exactly what the aggregate now holds."""
        super().trigger_event(event_class, **kwargs, **UNDECIDED)
        self._decide_pending()

    @classmethod
    def open_case(
        cls,
        event_class: type[OpeningEvent],
        actor: Actor,
        at: datetime,
        /,
        *,
        case_id: UUID | None,
        provinces: Iterable[str],
        opens: Mapping[Any, datetime] | None = None,
        **fields: Any,
    ) -> Self:
        """A new case (`case_id`, or a fresh id), created by `actor` at `at` with its opening event: the
        workflow's `fields` and the attributes every event carries, as `record` gives later events —
        the provinces it starts with (none "joins": the case had none before) and the clocks it starts."""
        involved = sorted(set(provinces))
        common = _common(actor, at, involved=involved, joined=[], opens=opens, closes=(), overdue=())
        return cls._create(event_class, id=case_id or uuid4(), **common, **fields)

    @classmethod
    def _create(cls, event_class: type[CanInitAggregate[UUID]], **kwargs: Any) -> Self:
        aggregate = super()._create(event_class, **kwargs, **UNDECIDED)
        aggregate._decide_pending()
        return aggregate

    def _decide_pending(self) -> None:
        pending = self.pending_events
        pending[-1] = self.decided(cast(CaseEvent, pending[-1]))

    # --- helpers for command methods ---
    @property
    def provinces(self) -> list[str]:
        return sorted(self.roles)

    @property
    def is_terminal(self) -> bool:
        return self.status in self.TERMINAL

    def legal_hold(self) -> str | None:
        """Why the personal data this case names must be kept (PIPL Art. 47 ¶2: it stays stored, and
        nothing but storage processes it), or None when an erasure may destroy it. An open case keeps
        it while the offices handle it; a workflow adds its statutory periods."""
        if not self.is_terminal:
            return f"{self.KIND} case {self.id} is still open ({self.status}): its offices need the data"
        return None

    def record(
        self,
        event_class: type[CaseEvent],
        actor: Actor,
        at: datetime,
        /,
        *,
        opens: Mapping[Any, datetime] | None = None,
        closes: Iterable[Any] = (),
        overdue: Iterable[str] = (),
        joining: Iterable[str] = (),
        **fields: Any,
    ) -> None:
        """Trigger `event_class` by `actor` at `at`: its own `fields`, and the attributes every event
        carries — the provinces involved after it (the case's, and any `joining` it with this event)
        and the deadlines it opens, closes and flags overdue."""
        involved = sorted(set(self.roles).union(joining))
        joined = [code for code in involved if code not in self.roles]
        common = _common(
            actor, at, involved=involved, joined=joined, opens=opens, closes=closes, overdue=overdue
        )
        self.trigger_event(event_class, **fields, **common)

    def is_visible_to(self, actor: Actor) -> bool:
        """The read side's rule (`may_see`): the provinces the case involves; within them owners see
        only their own cases and insurers only the cases they were notified of."""
        return may_see(actor, provinces=self.roles, parties=self.parties, insurers=self.notified_insurers())

    def notified_insurers(self) -> Collection[str]:
        """The insurers (by `org`) this case was sent to; only the rescue notifies any."""
        return ()

    def authorize(self, actor: Actor, allowed: Allowed) -> None:
        """Raise CaseNotFound if the case is invisible to the actor, NotPermitted if the actor's
        role, or its province's role in this case, may not do this. `allowed` maps a role to the
        province roles it must act from (None: any involved province, e.g. the owner)."""
        if not self.is_visible_to(actor):
            raise CaseNotFound("No such case.")
        if actor.role not in allowed:
            raise NotPermitted(f"role {actor.role.value} may not do this on a {self.KIND} case")
        sides = allowed[actor.role]
        if sides is not None:
            side = self.roles.get(actor.province or "")
            if side not in set(sides):
                raise NotPermitted(
                    f"only the {' or '.join(sorted(sides))} province may do this; your province is the {side}"
                )

    def guard(self, actor: Actor, allowed: Allowed, action: str, *statuses: str) -> None:
        """A command's preamble: the actor may `action` this case (`authorize`), and the case is in
        one of `statuses` (`require_status`) — in that order, so a caller who may not act on the case
        learns nothing of its status."""
        self.authorize(actor, allowed)
        self.require_status(action, *statuses)

    def require_status(self, action: str, *statuses: str) -> None:
        if self.status not in statuses:
            raise TransitionNotAllowed(
                f"cannot {action} a {self.KIND} case in status '{self.status}' "
                f"(allowed from: {', '.join(statuses)})"
            )

    def mark_overdue(self, name: str, at: datetime, actor: Actor) -> bool:
        """Record that deadline `name` passed. False (nothing recorded) if it is not open, is already
        marked, or has not passed yet — so the watcher may call this as often as it likes."""
        deadline = self.deadlines.get(name)
        if deadline is None or deadline.overdue or at <= deadline.due or self.is_terminal:
            return False
        event_class = self.OVERDUE_EVENTS.get(name) or self.OVERDUE_EVENTS[name.split(":", 1)[0] + ":"]
        closes = self.closed_when_overdue(name)
        self.record(event_class, actor, at, deadline=name, closes=closes, overdue=[name])
        return True

    def revise_provisional(self, calendar: WorkingCalendar, at: datetime, actor: Actor) -> bool:
        """Recount this case's provisional deadlines with `calendar` and record `DeadlineRevised` for
        those whose due instant, or provisional mark, changes. False (nothing recorded) when none does
        — so `xborder calendar apply` may run as often as it likes. A closed case, and a deadline
        already flagged overdue (its clock ran out; the flag stands), are left as they are."""
        if self.is_terminal:
            return False
        revised: dict[str, datetime] = {}
        for deadline in self.deadlines.values():
            if deadline.provisional is None or deadline.start is None or deadline.overdue:
                continue
            due = calendar.due(deadline.start, deadline.provisional)
            if due != deadline.due or not due.provisional:
                revised[deadline.name] = due
        if not revised:
            return False
        self.record(
            self.DeadlineRevised,
            actor,
            at,
            opens=revised,
            reason="the State Council's holiday schedule (国务院办公厅关于部分节假日安排的通知) "
            "for a year these deadlines were counted into was added to the calendar",
        )
        return True

    def closed_when_overdue(self, name: str) -> Iterable[str]:
        """The deadlines an overdue `name` stops. None by default: an overdue event keeps the deadline
        open (the awaited event may still come, late)."""
        return ()


def _common(
    actor: Actor,
    at: datetime,
    *,
    involved: list[str],
    joined: list[str],
    opens: Mapping[Any, datetime] | None,
    closes: Iterable[Any],
    overdue: Iterable[str],
) -> dict[str, Any]:
    """The attributes every case event carries (see the module docstring), in their stored form."""
    if at.tzinfo is None:
        raise ValueError("domain times must be timezone-aware")
    opened = {str(name): due for name, due in (opens or {}).items()}
    return {
        "at": at,
        "actor": actor.as_dict(),
        "provinces": involved,
        "joined": joined,
        # str(): term names are StrEnums; store their plain values so replay compares equal
        "opens": {name: due.plain() if isinstance(due, Due) else due for name, due in opened.items()},
        "closes": sorted({str(name) for name in closes}),
        "overdue": sorted({str(name) for name in overdue}),
        "provisional": {
            name: {"amount": due.limit.amount, "unit": due.limit.unit}
            for name, due in opened.items()
            if isinstance(due, Due) and due.provisional
        },
    }


def require_past(occurred_at: datetime, at: datetime, detail: str, *, code: str, field: str) -> None:
    """What a case is opened about (an accident, a violation) happened at a real instant (timezone-
    aware), and not after the command that reports it."""
    if occurred_at.tzinfo is None or occurred_at > at:
        raise RuleViolation(detail, code=code, field=field)


def require_text(value: str, field: str) -> None:
    """Free text a command cannot do without (a reference, a reason) must say something."""
    if not value or not value.strip():
        raise RuleViolation(f"{field} must not be empty", code="field.missing", field=field)


# 163号令: one violation, or a hit-and-run that is not a crime, carries 1, 3, 6, 9 or 12 points (0: none).
VALID_POINTS = frozenset({0, 1, 3, 6, 9, 12})
