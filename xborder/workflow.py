"""What a workflow is, for the rest of the service: one spec, declared by the workflow itself.

The shared code — topics, read-model kinds, routers, masking, holds, process managers, bootstrap,
CLI — learns which workflows exist only by iterating `xborder.workflows.WORKFLOWS`, a list of these
specs. A workflow that is not in the list does not exist anywhere; one that is in it brings every
piece the service needs, or the service refuses to start (`WorkflowSpec.__post_init__`). Forgetting a
masker used to fall back to no masking, which would have exposed personal data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

from fastapi import APIRouter

from xborder.consumers.worker import Worker
from xborder.domain.actors import Actor
from xborder.domain.application import CaseApplication
from xborder.infra.contracts import Envelope, EventContract
from xborder.infra.feeds import Feed
from xborder.infra.postgres.database import Database
from xborder.projections.casedoc import Doc, WorkflowProjector
from xborder.projections.dead_letters import DeadLetters
from xborder.projections.holds import HoldRules
from xborder.projections.registry import CaseKind, StatsQuery

# Hides, in place, what the caller may not see of a case document of this workflow.
Masker = Callable[[Doc, Actor], None]
Applications = Mapping[str, CaseApplication[Any]]


@dataclass(frozen=True)
class ProcessManagerContext:
    """What the composition root hands a process manager's worker."""

    feed: Feed
    db: Database
    applications: Applications
    dead_letters: DeadLetters
    poll_timeout: float


@dataclass(frozen=True)
class ProcessManagerSpec:
    """A consumer of this workflow's events that issues commands elsewhere (a fled-driver rescue opens
    a hit-and-run case). `consumer` names its positions and dead letters; `handle` is what it does with
    one envelope, also used to apply a parked case again (`xborder dead-letters retry`)."""

    consumer: str
    listens_to: Sequence[str]
    build: Callable[[ProcessManagerContext], Worker]
    handle: Callable[[Envelope, Applications], object]


_TOPIC = re.compile(r"^xborder\.[a-z0-9-]+\.v[0-9]+$")
_KIND = re.compile(r"^[a-z][a-z_]*$")


T = TypeVar("T")


class _FromParts(Generic[T]):
    """An attribute of a `WorkflowSpec` read from one of its parts (`spec.topic` is
    `spec.contract.topic`): declared as the typed function that reads it, like a one-line property."""

    def __init__(self, read: Callable[[WorkflowSpec], T]) -> None:
        self._read = read

    @overload
    def __get__(self, spec: None, owner: type[WorkflowSpec]) -> _FromParts[T]: ...
    @overload
    def __get__(self, spec: WorkflowSpec, owner: type[WorkflowSpec]) -> T: ...
    def __get__(self, spec: WorkflowSpec | None, owner: type[WorkflowSpec]) -> T | _FromParts[T]:
        return self if spec is None else self._read(spec)


@dataclass(frozen=True)
class WorkflowApi:
    """How the API serves a workflow: `kind` is its name for the cases ("transfer", also the read
    models' kind), `router` its routes, `masker` what a caller may not see of a case document."""

    kind: str
    router: APIRouter
    masker: Masker


@dataclass(frozen=True)
class WorkflowReads:
    """What the read models build of a workflow's events: the case document (`projector`), and when
    given, the holds on vehicles it places (`holds`, with what to tell those who may not see the holding
    case: `hold_guidance`) and its own figures for /v1/stats (`stats`)."""

    projector: WorkflowProjector
    holds: HoldRules | None = None
    stats: StatsQuery | None = None
    # What a caller who may not see a holding case is told instead: where to go about the hold, never
    # which case or whose (`xborder.api.holds_view`).
    hold_guidance: str = (
        "A case of the traffic police holds this vehicle; ask the vehicle administration office where it"
        " is registered (请到登记地车辆管理所咨询)."
    )


@dataclass(frozen=True)
class WorkflowSpec:
    """Everything the service needs to know about one workflow, each part declared where it belongs.

    `application` is the eventsourcing Application class (one events table per workflow); it names
    the event store's `aggregate_type` ("VehicleTransfer") and the workflow's `terms`, its time limits
    with their national values (zones may tighten them). `contract` is its integration-event contract
    (its `contract` module): the Kafka `topic` of its national stream and `events`, event type name ->
    the declared schema of the envelope's `data`; an event without one is never published. `api` and
    `reads` are how it is served and read (`kind`, `router`, `masker`; `projector`, `holds`, `stats`).
    `process_managers` names the consumers that turn its events into commands elsewhere (their
    workers are built by the composition root). The parts are also readable as the spec's own
    attributes (`spec.topic`, `spec.masker`, ...), which is how the rest of the service reads them.
    """

    application: type[CaseApplication[Any]]
    contract: EventContract
    api: WorkflowApi
    reads: WorkflowReads
    process_managers: Sequence[ProcessManagerSpec] = field(default_factory=tuple)

    # What the rest of the service reads off a spec, wherever the workflow declares it.
    kind = _FromParts(lambda spec: spec.api.kind)
    aggregate_type = _FromParts(lambda spec: spec.application.aggregate_type)
    terms = _FromParts(lambda spec: spec.application.terms.national_limits())
    topic = _FromParts(lambda spec: spec.contract.topic)
    events = _FromParts(lambda spec: spec.contract.events)
    router = _FromParts(lambda spec: spec.api.router)
    masker = _FromParts(lambda spec: spec.api.masker)
    holds = _FromParts(lambda spec: spec.reads.holds)

    def case_kind(self) -> CaseKind:
        """What the read models need of this workflow."""
        return CaseKind(self.aggregate_type, self.kind, self.reads.projector, self.reads.stats)

    def __post_init__(self) -> None:
        if not _KIND.match(self.kind):
            raise ValueError(f"workflow kind {self.kind!r} must be lower_snake_case")
        if not _TOPIC.match(self.topic):
            raise ValueError(f"workflow {self.kind}: topic {self.topic!r} must look like xborder.<name>.v<N>")
        if not isinstance(getattr(self.application, "aggregate_type", None), str):
            raise ValueError(
                f"workflow {self.kind}: its Application records no aggregate type "
                "(it must subclass CaseApplication[<its aggregate>])"
            )
        pieces = {"projector": self.reads.projector, "router": self.router, "masker": self.masker}
        for name, piece in pieces.items():
            if piece is None:
                raise ValueError(f"workflow {self.kind} has no {name}: it cannot start without one")
        if not self.events:
            raise ValueError(f"workflow {self.kind} has no events contract: it cannot publish without one")


def check_registry(specs: Sequence[WorkflowSpec]) -> None:
    """Kinds, aggregate types, topics and router prefixes are each one workflow's own."""
    for attribute in ("kind", "aggregate_type", "topic"):
        values = [getattr(spec, attribute) for spec in specs]
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise ValueError(f"two workflows share the {attribute} {', '.join(duplicates)}")
    prefixes = [spec.router.prefix for spec in specs]
    if len(set(prefixes)) != len(prefixes):
        raise ValueError(f"two workflows share a router prefix: {prefixes}")
