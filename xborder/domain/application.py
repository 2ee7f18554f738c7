"""The eventsourcing Application each workflow builds on: load, authorise, command, save.

One Application — one events table, one notification log — per aggregate type, so the workflows write
in parallel (eventsourcing serialises inserts per table). Keyword arguments given to `record` and
`execute` travel to the recorder in the same transaction as the events (the API's idempotency record),
which is what makes a retried request either fully recorded or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType

from xborder.domain.actors import DEADLINE_WATCHER, Actor
from xborder.domain.cases import CaseAggregate, DeadlinePolicy
from xborder.domain.errors import CaseNotFound, ConcurrentConflict, VersionMismatch
from xborder.domain.holds import HoldsLookup, NoHolds

A = TypeVar("A", bound=CaseAggregate)

# Given the aggregate after the command, returns keyword arguments for the recorder, saved in the same
# transaction as the events (the API's idempotency record, which needs the resulting version).
SaveWith = Callable[[A], Mapping[str, Any]]


class CaseApplication(Application[UUID], Generic[A]):
    aggregate_type: ClassVar[str]

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        policy: DeadlinePolicy,
        holds: HoldsLookup | None = None,
        on_recorded: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(env)
        self.policy = policy
        self.holds: HoldsLookup = holds or NoHolds()
        self._on_recorded = on_recorded

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
        if self._on_recorded is not None:
            self._on_recorded()
        return aggregate

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

    def run(
        self,
        case_id: UUID,
        command: Callable[..., None],
        *args: Any,
        actor: Actor,
        at: datetime,
        with_policy: bool = False,
        **kwargs: Any,
    ) -> A:
        """`execute` the aggregate's `command` (its unbound method) with `args`, `actor` and `at`, plus
        this application's deadline policy when the command starts clocks (`with_policy`). `kwargs`
        (`expected_version`, `save_with`) go to `execute`, so every workflow's command reads the same."""
        policy: dict[str, DeadlinePolicy] = {"policy": self.policy} if with_policy else {}
        return self.execute(
            case_id,
            actor,
            lambda aggregate: command(aggregate, *args, actor=actor, at=at, **policy),
            **kwargs,
        )

    def mark_overdue(self, case_id: UUID, deadline: str, at: datetime) -> bool:
        """Called by the deadline watcher; True when an overdue event was recorded."""
        aggregate = self.get(case_id)
        if not aggregate.mark_overdue(deadline, at, DEADLINE_WATCHER):
            return False
        self.record(aggregate)
        return True
