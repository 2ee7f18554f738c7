"""The eventsourcing Application each workflow builds on: load, authorise, command, save.

One Application — one events table, one notification log — per aggregate type, so the workflows write
in parallel (eventsourcing serialises inserts per table). Keyword arguments given to `record` and
`execute` travel to the recorder in the same transaction as the events (the API's idempotency record),
which is what makes a retried request either fully recorded or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Generic, NotRequired, TypedDict, TypeVar, Unpack, get_args, get_origin
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, Mapper, Recording
from eventsourcing.utils import EnvType

from xborder.domain.actors import DEADLINE_WATCHER, Actor, Role
from xborder.domain.cases import CaseAggregate, DeadlinePolicy
from xborder.domain.errors import CaseNotFound, ConcurrentConflict, VersionMismatch
from xborder.domain.holds import HoldsLookup, NoHolds
from xborder.domain.routing import EventRoutes
from xborder.domain.terms import NationalTerm
from xborder.privacy.mapper import SealingMapper
from xborder.privacy.sealing import Sealer

A = TypeVar("A", bound=CaseAggregate)

# Who revises deadlines when the holiday calendar learns a year (`xborder calendar apply`).
CALENDAR = Actor(sub="system:calendar", province=None, role=Role.SYSTEM)

# Given the aggregate after the command, returns keyword arguments for the recorder, saved in the same
# transaction as the events (the API's idempotency record, which needs the resulting version).
SaveWith = Callable[[A], Mapping[str, Any]]


class OpeningBy(TypedDict, Generic[A]):
    """The keyword arguments of every command that opens a case: who (`actor`) and when (`at`), and
    what the caller saves with it (`save_with`, the API's idempotency record). Declared once, so each
    workflow's command states only its own arguments."""

    actor: Actor
    at: datetime
    save_with: NotRequired[SaveWith[A] | None]


class OnCaseBy(OpeningBy[A]):
    """The keyword arguments of every command on an existing case: those of an opening one, and the
    version the caller last saw (`expected_version`, the API's If-Match)."""

    expected_version: NotRequired[int | None]


def _who_and_when(by: OpeningBy[Any]) -> tuple[Actor, datetime, dict[str, Any]]:
    """`by`'s actor and time, and the rest of it as given, for `record` or `execute` (so a keyword
    they do not take fails there, as it did when each command passed its keywords on itself)."""
    rest: dict[str, Any] = {key: value for key, value in by.items() if key not in ("actor", "at")}
    return by["actor"], by["at"], rest


class CaseApplication(Application[UUID], Generic[A]):
    """Base of each workflow's Application, declared as
    `class VehicleTransfers(CaseApplication[VehicleTransfer], terms=Term)`: its `aggregate_type` is
    its aggregate's class name, its `terms` the clocks its cases run (with their national limits),
    and its `name` (eventsourcing: its events table's and notification log's) its own class name."""

    aggregate_type: ClassVar[str]
    terms: ClassVar[type[NationalTerm]] = NationalTerm  # no clocks unless the workflow declares them

    def __init_subclass__(cls, *, terms: type[NationalTerm] | None = None, **kwargs: Any) -> None:
        """Reads the aggregate type from the subscripted base, so it is stated once, as the type."""
        super().__init_subclass__(**kwargs)
        if terms is not None:
            cls.terms = terms
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is CaseApplication:
                (case,) = get_args(base)
                if isinstance(case, type):  # not a TypeVar: a concrete workflow's Application
                    cls.aggregate_type = case.__name__

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        policy: DeadlinePolicy,
        holds: HoldsLookup | None = None,
        on_recorded: Callable[[EventRoutes], None] | None = None,
        sealer: Sealer | None = None,
    ) -> None:
        """`on_recorded` is told, after each save, its routes — which application saved and which
        provinces its events involve — to wake those provinces' consumers in this process, and the
        national consumers of this application. `sealer` seals the events' personal values as they
        are stored (`xborder.privacy`); without it they are stored as they are (tests in memory)."""
        self._sealer = sealer
        super().__init__(env)
        self.policy = policy
        self.holds: HoldsLookup = holds or NoHolds()
        self._on_recorded = on_recorded

    def construct_mapper(self) -> Mapper[UUID]:
        if self._sealer is None:
            return super().construct_mapper()
        return SealingMapper(
            transcoder=self.construct_transcoder(),
            cipher=self.factory.cipher(),
            compressor=self.factory.compressor(),
            sealer=self._sealer,
            aggregate_type=self.aggregate_type,
        )

    def get(self, case_id: UUID) -> A:
        try:
            aggregate: A = self.repository.get(case_id)
        except AggregateNotFoundError:
            raise CaseNotFound("No such case.") from None
        return aggregate

    def record(self, aggregate: A, *, save_with: SaveWith[A] | None = None) -> A:
        save_kwargs = dict(save_with(aggregate)) if save_with is not None else {}
        try:
            self.save(aggregate, **save_kwargs)
        except IntegrityError as error:
            raise ConcurrentConflict(
                "the case was changed by another command at the same time; reload and retry"
            ) from error
        return aggregate

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Every save hands the recorder its events' provinces (`EventRoutes`), stored in the same
        transaction: a province's consumer then reads only the events routed to it."""
        routes = EventRoutes(
            self.name, [sorted(getattr(event, "provinces", ())) for event in processing_event.events]
        )
        processing_event.saved_kwargs["routes"] = routes
        recordings = super()._record(processing_event)
        if self._on_recorded is not None:
            self._on_recorded(routes)
        return recordings

    def execute(
        self,
        case_id: UUID,
        actor: Actor,
        command: Callable[[A], None],
        *,
        expected_version: int | None = None,
        save_with: SaveWith[A] | None = None,
    ) -> A:
        """Run `command` on the case as `actor` and save what it recorded.

        Visibility is checked before `If-Match`, so a case of another province answers 404 even to a
        caller who guessed its version.
        """
        aggregate = self.get(case_id)
        if not aggregate.is_visible_to(actor):
            raise CaseNotFound("No such case.")
        if expected_version is not None and aggregate.version != expected_version:
            raise VersionMismatch(
                f"the case is at version {aggregate.version}, not {expected_version}", field="If-Match"
            )
        command(aggregate)
        return self.record(aggregate, save_with=save_with)

    def create(
        self, opener: Callable[..., A], *args: Any, with_policy: bool = False, **by: Unpack[OpeningBy[A]]
    ) -> A:
        """Open a case with the aggregate's `opener` (its class method) and `args`, as `by` says who
        and when, plus this application's deadline policy when opening starts clocks (`with_policy`);
        save it with `by`'s `save_with`."""
        actor, at, rest = _who_and_when(by)
        aggregate = opener(*args, actor=actor, at=at, **self._policy(with_policy))
        return self.record(aggregate, **rest)

    def run(
        self,
        case_id: UUID,
        command: Callable[..., None],
        *args: Any,
        with_policy: bool = False,
        **by: Unpack[OnCaseBy[A]],
    ) -> A:
        """`execute` the aggregate's `command` (its unbound method) with `args`, and `by`'s `actor` and
        `at`, plus this application's deadline policy when the command starts clocks (`with_policy`).
        `by`'s `expected_version` and `save_with` go to `execute`, so every workflow's command reads
        the same."""
        actor, at, rest = _who_and_when(by)
        policy = self._policy(with_policy)
        return self.execute(
            case_id, actor, lambda aggregate: command(aggregate, *args, actor=actor, at=at, **policy), **rest
        )

    def _policy(self, wanted: bool) -> dict[str, DeadlinePolicy]:
        """The `policy` keyword for a command that starts clocks, nothing for one that does not."""
        return {"policy": self.policy} if wanted else {}

    def revise_provisional(self, case_id: UUID, at: datetime) -> bool:
        """Called by `xborder calendar apply`; True when a `DeadlineRevised` event was recorded (the
        case's provisional deadlines recounted with this application's calendar changed)."""
        aggregate = self.get(case_id)
        if not aggregate.revise_provisional(self.policy.calendar, at, CALENDAR):
            return False
        self.record(aggregate)
        return True

    def mark_overdue(self, case_id: UUID, deadline: str, at: datetime) -> bool:
        """Called by the deadline watcher; True when an overdue event was recorded."""
        aggregate = self.get(case_id)
        if not aggregate.mark_overdue(deadline, at, DEADLINE_WATCHER):
            return False
        self.record(aggregate)
        return True
