"""The domain decides, readers copy: every case event carries the status and awaiting the aggregate
decided once it was applied, and the deadlines it flags overdue. Events stored before they did
(class version 1) are read through the upcaster and decided by replaying their case, so old cases
publish what new ones do; an envelope without decisions is refused by the read model, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from enum import StrEnum
from functools import partial
from typing import Any

import pytest

from tests.unit.domain import hit_and_run_builders as hr
from tests.unit.domain import objection_builders as ob
from tests.unit.domain import rescue_builders as rb
from tests.unit.domain import transfer_builders as tb
from tests.unit.projections.agreement import (
    MAPPER,
    as_recorded_in_version_1,
    published,
    stored_and_read,
)
from xborder.domain.cases import CaseAggregate, CaseEvent, DeadlineOverdue
from xborder.domain.history import decide_by_replay
from xborder.infra.contracts import Envelope, envelope_from_event, envelopes_for
from xborder.projections.casedoc import UndecidedEnvelopeError, apply_common, new_doc
from xborder.workflows.hit_and_run.aggregate import HitAndRunStatus
from xborder.workflows.objection.aggregate import ObjectionStatus
from xborder.workflows.rescue.aggregate import RescueStatus
from xborder.workflows.transfer.aggregate import TransferStatus
from xborder.workflows.transfer.contract import EVENT_SCHEMAS as TRANSFER_EVENTS

Flow = tuple[str, Callable[[], CaseAggregate]]


def _flows() -> list[Flow]:
    """Every status of every workflow, reached by driving the real commands (events still pending)."""
    builders: list[tuple[str, type[StrEnum], Callable[[Any], CaseAggregate]]] = [
        ("VehicleTransfer", TransferStatus, tb.in_status),
        ("ViolationObjection", ObjectionStatus, ob.in_status),
        ("HitAndRunCase", HitAndRunStatus, hr.in_status),
        ("JointRescue", RescueStatus, rb.in_status),
    ]
    return [
        (aggregate_type, partial(build, status))
        for aggregate_type, statuses, build in builders
        for status in statuses
    ]


FLOWS = _flows()
IDS = [f"{t}-{getattr(build, 'args', ('',))[0]}" for t, build in FLOWS]


def events_of(build: Callable[[], CaseAggregate]) -> tuple[CaseAggregate, list[CaseEvent]]:
    aggregate = build()
    events: list[CaseEvent] = list(aggregate.collect_events())  # type: ignore[arg-type]
    return aggregate, events


def replay(events: Sequence[CaseEvent]) -> CaseAggregate:
    aggregate: Any = None
    for event in events:
        aggregate = event.mutate(aggregate)
    assert isinstance(aggregate, CaseAggregate)
    return aggregate


def overdue_transfer() -> list[CaseEvent]:
    """Released, its verification clock run out (flagged, still open), then the 30-day lapse."""
    t = tb.in_status(TransferStatus.ARCHIVE_RELEASED)
    assert t.mark_overdue("archive_verification", tb.T0 + timedelta(days=5), tb.WATCHER)
    assert t.mark_overdue("transfer_lapse", tb.T0 + timedelta(days=60), tb.WATCHER)
    return list(t.collect_events())  # type: ignore[arg-type]


# ====================================================================== what new events carry
@pytest.mark.parametrize(("aggregate_type", "build"), FLOWS, ids=IDS)
def test_each_event_carries_what_the_aggregate_held_right_after_it(
    aggregate_type: str, build: Callable[[], CaseAggregate]
) -> None:
    _, events = events_of(build)
    for n in range(1, len(events) + 1):
        then = replay(events[:n])
        event = events[n - 1]
        assert event.status == then.status
        assert event.awaiting == then.awaiting()
        assert isinstance(event.status, str) and type(event.status) is str  # a plain value, not an enum


def test_only_an_overdue_event_flags_a_deadline_and_it_names_that_one() -> None:
    events = overdue_transfer()
    assert [(type(e).__name__, e.overdue) for e in events if e.overdue] == [
        ("ArchiveVerificationOverdue", ["archive_verification"]),
        ("TransferLapsed", ["transfer_lapse"]),
    ]
    assert all(e.overdue == [] for e in events if not isinstance(e, DeadlineOverdue))


@pytest.mark.parametrize(("aggregate_type", "build"), FLOWS, ids=IDS)
def test_the_event_store_keeps_the_decisions(aggregate_type: str, build: Callable[[], CaseAggregate]) -> None:
    _, events = events_of(build)
    for event in events:
        stored_version = MAPPER.transcoder.decode(MAPPER.to_stored_event(event).state)["class_version"]
        assert stored_version == type(event).class_version >= 3  # 3: `provisional`
        assert stored_and_read(event) == event


# ====================================================================== events stored before
@pytest.mark.parametrize(("aggregate_type", "build"), FLOWS, ids=IDS)
def test_a_version_1_event_reads_undecided_and_replays_into_the_same_aggregate(
    aggregate_type: str, build: Callable[[], CaseAggregate]
) -> None:
    aggregate, events = events_of(build)
    old = [as_recorded_in_version_1(e) for e in events]
    assert all((e.status, e.awaiting, e.is_decided) == (None, None, False) for e in old)
    assert replay(old).__dict__ == {**aggregate.__dict__, "_pending_events": []}


def test_a_version_1_overdue_event_flags_its_deadline_as_before() -> None:
    old = [as_recorded_in_version_1(e) for e in overdue_transfer()]
    assert [e.overdue for e in old] == [e.overdue for e in overdue_transfer()]
    flagged = replay(old[:-1])  # before the lapse ends the case
    assert flagged.deadlines["archive_verification"].overdue is True


@pytest.mark.parametrize(("aggregate_type", "build"), FLOWS, ids=IDS)
def test_replaying_the_case_decides_version_1_events_exactly_as_they_are_decided_now(
    aggregate_type: str, build: Callable[[], CaseAggregate]
) -> None:
    _, events = events_of(build)
    now = [stored_and_read(e) for e in events]
    assert decide_by_replay(as_recorded_in_version_1(e) for e in events) == now
    assert published(aggregate_type, [as_recorded_in_version_1(e) for e in events]) == published(
        aggregate_type, now
    )


def test_replaying_needs_the_case_only_for_version_1_events() -> None:
    events = overdue_transfer()
    asked: list[int] = []

    def prior(_aggregate_id: Any, lte: int) -> list[CaseEvent]:
        asked.append(lte)
        return [as_recorded_in_version_1(e) for e in events[:lte]]

    for event in events:  # a transfer never brings a province in: nothing to replay to anyone
        envelopes_for("VehicleTransfer", stored_and_read(event), prior, TRANSFER_EVENTS)
    assert asked == []
    last = as_recorded_in_version_1(events[-1])
    (envelope,) = envelopes_for("VehicleTransfer", last, prior, TRANSFER_EVENTS)
    assert asked == [len(events) - 1]
    assert (envelope.status, envelope.awaiting, envelope.deadlines.overdue) == (
        "lapsed",
        [],
        ["transfer_lapse"],
    )


def test_replay_leaves_a_decided_history_as_it_is() -> None:
    events = overdue_transfer()
    assert all(a is b for a, b in zip(decide_by_replay(events), events, strict=True))


# ====================================================================== the envelope
def test_the_envelope_lifts_the_decisions_out_of_data() -> None:
    events = overdue_transfer()
    envelope = envelope_from_event("VehicleTransfer", events[-2], TRANSFER_EVENTS)
    assert envelope.type == "ArchiveVerificationOverdue"
    assert envelope.status == "archive_released"
    assert envelope.awaiting == [
        {
            "province": tb.CQ,
            "role": "vehicle_admin",
            "action": "verify_archive",
            "deadline": "archive_verification",
        }
    ]
    assert envelope.deadlines.overdue == ["archive_verification"]
    assert envelope.data == {"deadline": "archive_verification"}  # what other systems read is unchanged


def test_a_read_model_refuses_an_envelope_without_decisions_rather_than_guess() -> None:
    """What an event published before events carried decisions looks like on the wire: it still
    parses (the fields are optional), and the read model parks it instead of inventing a status;
    `xborder dead-letters retry` then reads the case from the event store, where replay decides it."""
    opened = tb.apply().collect_events()[0]
    assert isinstance(opened, CaseEvent)
    current = envelope_from_event("VehicleTransfer", opened, TRANSFER_EVENTS).model_dump(
        mode="json", by_alias=True
    )
    for name in ("status", "awaiting"):
        del current[name]
    del current["deadlines"]["overdue"]
    old = Envelope.model_validate(current)
    assert (old.status, old.awaiting, old.deadlines.overdue) == (None, None, [])
    with pytest.raises(UndecidedEnvelopeError):
        apply_common(new_doc("transfer", old), old)
    undecided = envelope_from_event("VehicleTransfer", as_recorded_in_version_1(opened), TRANSFER_EVENTS)
    with pytest.raises(UndecidedEnvelopeError):
        apply_common(new_doc("transfer", undecided), undecided)
