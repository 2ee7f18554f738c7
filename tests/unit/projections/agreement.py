"""What the "readers copy, the domain decides" properties share.

`ReadModelMirror` folds a case's events into its document through exactly the code a province's read
model runs (envelope, JSON as over Kafka, `new_doc`/`apply_common`/the workflow's projector, jsonb in
between) and checks that document against the aggregate itself. `as_recorded_in_version_1` turns
events back into what the event store held before events carried their decisions, so a test can read
them through the real upcaster; `published` builds what the relay would send for a whole history.
No I/O: eventsourcing's mapper and JSON transcoder run in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)

from xborder.domain.cases import CaseAggregate, CaseEvent
from xborder.infra.contracts import Envelope, EventSchemas, envelope_from_event, envelopes_for
from xborder.projections.casedoc import Doc, WorkflowProjector, apply_common, new_doc
from xborder.workflows.hit_and_run import contract as hit_and_run_contract
from xborder.workflows.hit_and_run.projector import project_hit_and_run
from xborder.workflows.objection import contract as objection_contract
from xborder.workflows.objection.projector import project_objection
from xborder.workflows.rescue import contract as rescue_contract
from xborder.workflows.rescue.projector import project_rescue
from xborder.workflows.transfer import contract as transfer_contract
from xborder.workflows.transfer.projector import project_transfer

# aggregate type -> (document kind, projector): the four workflows, named here so these properties do
# not depend on how the service assembles its registry.
PROJECTORS: dict[str, tuple[str, WorkflowProjector]] = {
    "VehicleTransfer": ("transfer", project_transfer),
    "ViolationObjection": ("objection", project_objection),
    "HitAndRunCase": ("hit_and_run", project_hit_and_run),
    "JointRescue": ("rescue", project_rescue),
}
# aggregate type -> the integration-event contract its envelopes are built from, likewise.
CONTRACTS: dict[str, EventSchemas] = {
    "VehicleTransfer": transfer_contract.EVENT_SCHEMAS,
    "ViolationObjection": objection_contract.EVENT_SCHEMAS,
    "HitAndRunCase": hit_and_run_contract.EVENT_SCHEMAS,
    "JointRescue": rescue_contract.EVENT_SCHEMAS,
}

# The fields class version 2 added; a version-1 event was stored without them.
ADDED_IN_VERSION_2 = ("overdue", "status", "awaiting")


def _mapper() -> Mapper[Any]:
    """The mapper an eventsourcing Application builds (JSON, with its standard transcodings)."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


MAPPER = _mapper()


def stored_and_read(event: CaseEvent) -> CaseEvent:
    """`event` written to the event store and read back, as the current code does both."""
    read: CaseEvent = MAPPER.to_domain_event(MAPPER.to_stored_event(event))  # type: ignore[assignment]
    return read


def as_recorded_in_version_1(event: CaseEvent) -> CaseEvent:
    """`event` as the event store holds one recorded before class version 2, read back through the
    upcaster: the same stored state without the fields version 2 added and without `class_version`."""
    stored = MAPPER.to_stored_event(event)
    state = MAPPER.transcoder.decode(stored.state)
    assert state.pop("class_version") >= 2  # 3 since `provisional`; 4 for events changed since
    for name in ADDED_IN_VERSION_2:
        del state[name]
    old = StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=MAPPER.transcoder.encode(state),
    )
    read: CaseEvent = MAPPER.to_domain_event(old)  # type: ignore[assignment]
    return read


def published(aggregate_type: str, history: Sequence[CaseEvent]) -> list[list[Envelope]]:
    """What the relay publishes for each event of `history`, reading earlier events from `history`."""

    def prior(aggregate_id: Any, lte: int) -> Iterable[CaseEvent]:
        return [e for e in history if e.originator_id == aggregate_id and e.originator_version <= lte]

    return [envelopes_for(aggregate_type, event, prior, CONTRACTS[aggregate_type]) for event in history]


def deadlines_of(aggregate: CaseAggregate) -> dict[str, tuple[datetime, bool]]:
    return {name: (d.due, d.overdue) for name, d in aggregate.deadlines.items()}


def deadlines_of_doc(doc: Doc) -> dict[str, tuple[datetime, bool]]:
    return {name: (datetime.fromisoformat(d["due"]), d["overdue"]) for name, d in doc["deadlines"].items()}


class ReadModelMirror:
    """One case's document in one province's read model, kept level with the aggregate's events."""

    def __init__(self, aggregate_type: str) -> None:
        self.aggregate_type = aggregate_type
        self.kind, self.project = PROJECTORS[aggregate_type]
        self.doc: Doc | None = None
        self.applied = 0

    def catch_up(self, events: Sequence[CaseEvent]) -> None:
        """Apply the events not applied yet, each the way it travels: into the event store and out
        (the relay reads it there), into its envelope, through JSON (Kafka), into the document."""
        for event in events[self.applied :]:
            sent = envelope_from_event(
                self.aggregate_type, stored_and_read(event), CONTRACTS[self.aggregate_type]
            )
            envelope = Envelope.from_json_bytes(sent.to_json_bytes())
            doc = self.doc if self.doc is not None else new_doc(self.kind, envelope)
            apply_common(doc, envelope)
            self.project(doc, envelope)
            self.doc = json.loads(json.dumps(doc))  # the store keeps it as jsonb
            self.applied += 1

    def assert_agrees_with(self, aggregate: CaseAggregate) -> None:
        """The document says what the aggregate holds: status, who must act next, every open clock
        with its due instant and overdue flag — and it is at the aggregate's version."""
        doc = self.doc
        assert doc is not None
        assert doc["version"] == aggregate.version == self.applied
        assert doc["status"] == aggregate.status
        assert doc["awaiting"] == aggregate.awaiting()
        assert deadlines_of_doc(doc) == deadlines_of(aggregate)
        for item in doc["awaiting"]:  # nobody is awaited against a clock that is not running
            assert item["deadline"] is None or item["deadline"] in doc["deadlines"], item
        if aggregate.is_terminal:
            assert (doc["awaiting"], doc["deadlines"]) == ([], {})


def assert_version_1_publishes_the_same(aggregate_type: str, events: Sequence[CaseEvent]) -> None:
    """Read from an event store that recorded `events` before class version 2, the relay publishes
    exactly the envelopes it publishes for the same events recorded now: decided by replaying the case
    where the old events are silent, so rebuilt read models come out the same."""
    now = published(aggregate_type, [stored_and_read(e) for e in events])
    old = [as_recorded_in_version_1(e) for e in events]
    assert all(e.status is None and e.awaiting is None for e in old)
    assert published(aggregate_type, old) == now
