"""`envelopes_for`: a province that joins a hit-and-run case late (a target added when the suspect
turns toward it) is sent the case's earlier events first, addressed to it alone, so that its read model
ends identical to everyone else's — and nobody else sees anything twice (DOMAIN.md §3)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from tests.unit.domain.hit_and_run_builders import (
    CASE_ID,
    GUI,
    HU,
    SC,
    SHAAN,
    T0,
    WATCHER,
    YU,
    YUN,
    ack,
    acknowledge,
    clue,
    open_case,
    request,
)
from xborder.infra.contracts import Envelope, envelope_from_event, envelopes_for, event_id_for
from xborder.projections.casedoc import Doc, ProjectionGapError, apply_common, new_doc
from xborder.workflows.hit_and_run.contract import EVENT_SCHEMAS
from xborder.workflows.hit_and_run.projector import project_hit_and_run

AGGREGATE = "HitAndRunCase"
H = timedelta(hours=1)
EVERYONE = sorted([SC, YU, GUI, YUN, SHAAN])


def case_events() -> list[Any]:
    """川 opens; asks 渝; 渝 acknowledges and reports a hit; 贵 and 云 are asked together; 贵
    acknowledges, 云 goes overdue; the suspect turns north and 陕 is asked last."""
    c = open_case()
    request([YU])(c, T0 + H)
    acknowledge(YU)(c, T0 + 2 * H)
    clue(YU, True, "綦江收费站卡口抓拍到疑似车辆")(c, T0 + 3 * H)
    request([GUI, YUN])(c, T0 + 4 * H)
    acknowledge(GUI)(c, T0 + 5 * H)
    assert c.mark_overdue(ack(YUN), T0 + 17 * H, WATCHER)
    request([SHAAN], None)(c, T0 + 18 * H)
    events = list(c.collect_events())
    assert [type(e).__name__ for e in events] == [
        "CaseOpened",
        "AssistanceRequested",
        "AssistanceAcknowledged",
        "ClueReported",
        "AssistanceRequested",
        "AssistanceAcknowledged",
        "AcknowledgementOverdue",
        "AssistanceRequested",
    ]
    assert [e.joined for e in events] == [[], [YU], [], [], [GUI, YUN], [], [], [SHAAN]]
    return events


EVENTS = case_events()
N = len(EVENTS)


def prior_of(events: Sequence[Any]) -> Any:
    """What the event store answers: the case's events up to a version, in order."""
    asked: list[tuple[UUID, int]] = []

    def prior(aggregate_id: UUID, lte: int) -> Iterable[Any]:
        asked.append((aggregate_id, lte))
        return [e for e in events if e.originator_id == aggregate_id and e.originator_version <= lte]

    prior.asked = asked  # type: ignore[attr-defined]
    return prior


def over_the_wire(envelope: Envelope) -> Envelope:
    return Envelope.from_json_bytes(envelope.to_json_bytes())


def all_envelopes() -> list[list[Envelope]]:
    """The envelopes each event is published as, in order, as consumers receive them."""
    prior = prior_of(EVENTS)
    return [
        [over_the_wire(e) for e in envelopes_for(AGGREGATE, event, prior, EVENT_SCHEMAS)] for event in EVENTS
    ]


def same_event(replayed: Envelope, original: Envelope) -> None:
    """A replayed envelope is the original event, only addressed elsewhere and flagged."""
    assert replayed.model_dump(exclude={"provinces", "catch_up"}) == original.model_dump(
        exclude={"provinces", "catch_up"}
    )


# ====================================================================== envelopes
def test_events_that_bring_no_one_in_are_published_once() -> None:
    prior = prior_of(EVENTS)
    for event in EVENTS:
        if event.joined:
            continue
        (envelope,) = envelopes_for(AGGREGATE, event, prior, EVENT_SCHEMAS)
        assert envelope == envelope_from_event(AGGREGATE, event, EVENT_SCHEMAS)
        assert envelope.catch_up is False
        assert envelope.provinces == sorted(event.provinces)
    assert prior.asked == []  # nothing to replay: the store is not even asked


def test_the_first_request_replays_the_opening_to_yu_only() -> None:
    requested = EVENTS[1]
    prior = prior_of(EVENTS)
    replayed, envelope = envelopes_for(AGGREGATE, requested, prior, EVENT_SCHEMAS)
    assert prior.asked == [(CASE_ID, 1)]

    assert (replayed.type, replayed.version) == ("CaseOpened", 1)
    assert replayed.provinces == [YU]
    assert replayed.catch_up is True
    assert replayed.event_id == event_id_for(CASE_ID, 1)
    same_event(replayed, envelope_from_event(AGGREGATE, EVENTS[0], EVENT_SCHEMAS))

    assert (envelope.type, envelope.version, envelope.catch_up) == ("AssistanceRequested", 2, False)
    assert envelope.provinces == [YU, SC]
    assert envelope == envelope_from_event(AGGREGATE, requested, EVENT_SCHEMAS)


def test_two_targets_joining_together_both_get_the_history() -> None:
    requested = EVENTS[4]
    *replayed, envelope = envelopes_for(AGGREGATE, requested, prior_of(EVENTS), EVENT_SCHEMAS)
    assert [r.version for r in replayed] == [1, 2, 3, 4]
    assert all(r.provinces == [GUI, YUN] and r.catch_up for r in replayed)
    assert (envelope.version, envelope.provinces, envelope.catch_up) == (5, sorted([SC, YU, GUI, YUN]), False)


def test_the_last_target_gets_the_whole_history_addressed_to_it_alone() -> None:
    requested = EVENTS[-1]
    prior = prior_of(EVENTS)
    *replayed, envelope = envelopes_for(AGGREGATE, requested, prior, EVENT_SCHEMAS)
    assert prior.asked == [(CASE_ID, N - 1)]

    assert [r.version for r in replayed] == list(range(1, N))
    assert [r.type for r in replayed] == [type(e).__name__ for e in EVENTS[:-1]]
    for r, original in zip(replayed, EVENTS[:-1], strict=True):
        assert r.provinces == [SHAAN]
        assert r.catch_up is True
        assert r.event_id == event_id_for(CASE_ID, original.originator_version)
        same_event(r, envelope_from_event(AGGREGATE, original, EVENT_SCHEMAS))

    assert (envelope.type, envelope.version, envelope.catch_up) == ("AssistanceRequested", N, False)
    assert envelope.provinces == EVERYONE
    assert envelope.data["targets"] == [SHAAN]


def test_catch_up_flag_survives_the_wire() -> None:
    envelopes = all_envelopes()
    assert [[e.catch_up for e in batch] for batch in envelopes][-1] == [True] * (N - 1) + [False]
    raw = json.loads(envelopes[1][0].to_json_bytes())
    assert (raw["catch_up"], raw["provinces"], raw["schema"]) == (True, [YU], "xborder.event/1")


# ========================================================= every province's document
def fold_for(province: str, batches: Sequence[Sequence[Envelope]]) -> tuple[Doc | None, int]:
    """Fold the envelopes that name `province`, as its projection consumer does: versions already
    applied are skipped, a gap is an error. Returns the document and how many were skipped."""
    doc: Doc | None = None
    skipped = 0
    for batch in batches:
        for envelope in batch:
            if province not in envelope.provinces:
                continue
            current = doc["version"] if doc else 0
            if envelope.version <= current:
                skipped += 1
                continue
            if envelope.version != current + 1:
                raise ProjectionGapError(f"{province}: got v{envelope.version} at v{current}")
            doc = doc or new_doc("hit_and_run", envelope)
            apply_common(doc, envelope)
            project_hit_and_run(doc, envelope)
            doc = json.loads(json.dumps(doc))  # the store keeps JSON
    return doc, skipped


def test_every_province_ends_with_the_same_document_and_whole_history() -> None:
    batches = all_envelopes()
    docs = {}
    for province in EVERYONE:
        doc, skipped = fold_for(province, batches)
        assert doc is not None
        assert skipped == 0  # nobody is sent anything twice
        docs[province] = doc
    reference = docs[SC]
    for province, doc in docs.items():
        assert doc == reference, province
    assert [h["version"] for h in reference["history"]] == list(range(1, N + 1))
    assert [h["type"] for h in reference["history"]] == [type(e).__name__ for e in EVENTS]
    assert reference["version"] == N
    assert reference["provinces"] == {
        SC: "incident",
        YU: "target",
        GUI: "target",
        YUN: "target",
        SHAAN: "target",
    }
    assert reference["targets"][YU]["clues"][0]["details"] == "綦江收费站卡口抓拍到疑似车辆"
    assert reference["deadlines"][ack(YUN)]["overdue"] is True
    assert set(reference["deadlines"]) == {ack(YUN), ack(SHAAN)}
    assert reference["status"] == "assistance_requested"
    # ... and a province never involved gets nothing at all.
    assert fold_for(HU, batches) == (None, 0)


@pytest.mark.parametrize("upto", range(1, N + 1))
def test_involved_provinces_agree_after_every_event(upto: int) -> None:
    """Not only at the end: after each event, every province involved by then holds the same document."""
    batches = all_envelopes()[:upto]
    involved = EVENTS[upto - 1].provinces
    docs = {p: fold_for(p, batches)[0] for p in EVERYONE}
    for province in EVERYONE:
        if province in involved:
            assert docs[province] == docs[SC], province
            assert docs[province] is not None
            assert docs[province]["version"] == upto
        else:
            assert docs[province] is None, province


def test_without_the_replay_a_late_target_could_not_build_the_case() -> None:
    """The counterpart: fed only the envelopes addressed to it, 陕 would start at the last version."""
    batches = [[envelope_from_event(AGGREGATE, e, EVENT_SCHEMAS)] for e in EVENTS]
    with pytest.raises(ProjectionGapError):
        fold_for(SHAAN, batches)
