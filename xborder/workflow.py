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
from typing import Any

from fastapi import APIRouter

from xborder.consumers.worker import Worker
from xborder.domain.actors import Actor
from xborder.domain.application import CaseApplication
from xborder.domain.calendar import TimeLimit
from xborder.infra.contracts import Envelope, EventSchemas
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


@dataclass(frozen=True)
class WorkflowSpec:
    """Everything the service needs to know about one workflow.

    `kind` is the API's name of its cases ("transfer"), `aggregate_type` the event store's
    ("VehicleTransfer"), `topic` the Kafka topic of its national stream, `terms` its time limits with
    their national values (zones may tighten them). `application` is the
    eventsourcing Application class (one events table per workflow). `holds`, when given, says which
    of its events hold a vehicle against transfer. `process_managers` names the consumers that turn
    its events into commands elsewhere (their workers are built by the composition root). `events` is
    its integration-event contract: event type name -> the declared schema of the envelope's `data`
    (its `contract` module); an event without one is never published.
    """

    kind: str
    aggregate_type: str
    topic: str
    application: type[CaseApplication[Any]]
    terms: Mapping[str, TimeLimit]
    projector: WorkflowProjector
    router: APIRouter
    masker: Masker
    events: EventSchemas
    holds: HoldRules | None = None
    stats: StatsQuery | None = None
    process_managers: Sequence[ProcessManagerSpec] = field(default_factory=tuple)

    def case_kind(self) -> CaseKind:
        """What the read models need of this workflow."""
        return CaseKind(self.aggregate_type, self.kind, self.projector, self.stats)

    def __post_init__(self) -> None:
        if not _KIND.match(self.kind):
            raise ValueError(f"workflow kind {self.kind!r} must be lower_snake_case")
        if not _TOPIC.match(self.topic):
            raise ValueError(f"workflow {self.kind}: topic {self.topic!r} must look like xborder.<name>.v<N>")
        if getattr(self.application, "aggregate_type", None) != self.aggregate_type:
            raise ValueError(
                f"workflow {self.kind}: its Application records {self.application.aggregate_type!r}, "
                f"not {self.aggregate_type!r}"
            )
        for name in ("projector", "router", "masker"):
            if getattr(self, name) is None:
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
