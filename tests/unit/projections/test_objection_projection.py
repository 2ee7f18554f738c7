"""The objection read model, folded from envelopes as Kafka delivers them, agrees with the aggregate
after every single event — status, version, clocks, history and who must act next; and the vehicle
holds an objection takes and releases."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest

from tests.support.workflows import holds_of
from tests.unit.domain.objection_builders import (
    CASE_ID,
    CHUAN_POLICE,
    DRIVER,
    FINE,
    POINTS,
    RECORD,
    SC,
    T0,
    WATCHER,
    ZHE_POLICE,
    ZJ,
    dismiss,
    eliminate,
    file,
    filing,
    refund,
    request,
    review,
    supply,
    uphold,
    violation,
)
from tests.unit.projections import wire
from xborder.domain.actors import Actor
from xborder.domain.money import Money
from xborder.infra.contracts import event_id_for
from xborder.projections.casedoc import Doc, apply_common, new_doc
from xborder.projections.holds import HoldChange
from xborder.workflows.objection.aggregate import ObjectionStatus, ViolationObjection
from xborder.workflows.objection.projector import project_objection

over_the_wire = partial(wire.over_the_wire, "ViolationObjection")
fold = partial(wire.fold, "ViolationObjection")

S = ObjectionStatus
Step = Callable[[ViolationObjection, datetime], None]
POLICE = "traffic_police"


def overdue(name: str) -> Step:
    def step(o: ViolationObjection, at: datetime) -> None:
        assert o.mark_overdue(name, at, WATCHER), f"{name} was not overdue at {at}"

    step.__name__ = f"overdue_{name}"
    return step


def withdraw_by_party(o: ViolationObjection, at: datetime) -> None:
    o.withdraw("已自行缴纳", actor=DRIVER, at=at)


def withdraw_by_office(o: ViolationObjection, at: datetime) -> None:
    o.withdraw("当事人到窗口撤回", actor=CHUAN_POLICE, at=at)


def refund_with_surcharge(o: ViolationObjection, at: datetime) -> None:
    o.complete_refund(Money(2 * FINE), actor=ZHE_POLICE, at=at)


@dataclass(frozen=True)
class Path:
    steps: Sequence[tuple[timedelta, Step]]
    final: S
    penalty_decided: bool = True
    fine: int = FINE
    filer: Actor = DRIVER
    types: Sequence[str] = field(default_factory=tuple)


H = timedelta(hours=1)
D = timedelta(days=1)
FILED = ["ObjectionFiled", "ObjectionForwarded"]
# Each path: (time after T0, step). Filed Fri 2026-11-20 15:00: objection_review due Fri 11-27;
# upheld at T0+1d (Sat 11-21) opens record_elimination due Wed 11-25 (Mon, Tue, Wed).
PATHS: dict[str, Path] = {
    "upheld_with_penalty": Path(
        [
            (1 * H, review),
            (2 * H, request),
            (1 * D, supply),
            (2 * D, uphold),
            (3 * D, refund),
            (4 * D, eliminate),
        ],
        S.REFUNDED,
        types=[
            *FILED,
            "ReviewStarted",
            "EvidenceRequested",
            "EvidenceSupplied",
            "ObjectionUpheld",
            "PenaltyRevoked",
            "RefundCompleted",
            "RecordEliminated",
        ],
    ),
    "eliminated_before_refund": Path(
        [(1 * H, review), (1 * D, uphold), (2 * D, eliminate), (3 * D, refund_with_surcharge)],
        S.REFUNDED,
        types=[
            *FILED,
            "ReviewStarted",
            "ObjectionUpheld",
            "PenaltyRevoked",
            "RecordEliminated",
            "RefundCompleted",
        ],
    ),
    "upheld_without_penalty": Path(
        [(1 * H, review), (1 * D, uphold), (2 * D, eliminate)],
        S.UPHELD,
        penalty_decided=False,
        types=[*FILED, "ReviewStarted", "ObjectionUpheld", "RecordEliminated"],
    ),
    # A warning (警告) with points: the decided penalty is revoked but there is no fine to refund.
    "upheld_warning_only": Path(
        [(1 * H, review), (1 * D, uphold), (2 * D, eliminate)],
        S.UPHELD,
        fine=0,
        types=[*FILED, "ReviewStarted", "ObjectionUpheld", "PenaltyRevoked", "RecordEliminated"],
    ),
    "dismissed": Path(
        [(1 * H, review), (1 * D, dismiss)],
        S.DISMISSED,
        types=[*FILED, "ReviewStarted", "ObjectionDismissed"],
    ),
    "withdrawn_during_evidence_request": Path(
        [(1 * H, review), (2 * H, request), (1 * D, withdraw_by_party)],
        S.WITHDRAWN,
        types=[*FILED, "ReviewStarted", "EvidenceRequested", "ObjectionWithdrawn"],
    ),
    "filed_and_withdrawn_by_the_office": Path(
        [(1 * H, withdraw_by_office)],
        S.WITHDRAWN,
        filer=CHUAN_POLICE,
        types=[*FILED, "ObjectionWithdrawn"],
    ),
    "review_overdue": Path(
        [
            (8 * D, overdue("objection_review")),  # Sat 11-28 15:00, past Fri 11-27 23:59:59
            (9 * D, review),
            (10 * D, uphold),  # Mon 11-30: record_elimination due Thu 12-03
            (20 * D, overdue("record_elimination")),
            (21 * D, eliminate),
            (22 * D, refund),
        ],
        S.REFUNDED,
        types=[
            *FILED,
            "ReviewOverdue",
            "ReviewStarted",
            "ObjectionUpheld",
            "PenaltyRevoked",
            "EliminationOverdue",
            "RecordEliminated",
            "RefundCompleted",
        ],
    ),
    "review_overdue_then_dismissed": Path(
        [(1 * H, review), (8 * D, overdue("objection_review")), (9 * D, dismiss)],
        S.DISMISSED,
        types=[*FILED, "ReviewStarted", "ReviewOverdue", "ObjectionDismissed"],
    ),
}


def events_of(path: str) -> list[Any]:
    """Drive an objection along `path`, returning every event it recorded, in order."""
    p = PATHS[path]
    objection = filing(violation=violation(penalty_decided=p.penalty_decided, fine=Money(p.fine)))
    o = file(T0, actor=p.filer, objection=objection)
    for offset, step in p.steps:
        step(o, T0 + offset)
    assert o.status == p.final
    events = list(o.collect_events())
    assert [type(e).__name__ for e in events] == list(p.types)
    return events


def deadlines_of_doc(doc: Doc) -> dict[str, tuple[datetime, bool]]:
    return {name: (datetime.fromisoformat(d["due"]), d["overdue"]) for name, d in doc["deadlines"].items()}


def deadlines_of(o: ViolationObjection) -> dict[str, tuple[datetime, bool]]:
    return {name: (d.due, d.overdue) for name, d in o.deadlines.items()}


def awaited(action: str, province: str, deadline: str | None) -> dict[str, Any]:
    return {"province": province, "role": POLICE, "action": action, "deadline": deadline}


def expected_awaiting(o: ViolationObjection) -> list[dict[str, Any]]:
    """Who must act next, from the aggregate's own state at that version."""
    if o.status == S.FORWARDED:
        return [awaited("start_review", ZJ, "objection_review")]
    if o.status == S.UNDER_REVIEW:
        return [awaited("decide", ZJ, "objection_review")]
    if o.status == S.EVIDENCE_REQUESTED:
        return [awaited("supply_evidence", SC, None)]
    items = []
    if o.status in (S.UPHELD, S.REFUNDED) and not o.record_eliminated:
        items.append(awaited("eliminate_record", ZJ, "record_elimination"))
    # A refund is awaited only where the aggregate would accept one: a revoked penalty with a fine.
    if o.status == S.UPHELD and o.penalty_revoked and o.fine > 0:
        items.append(awaited("refund_fine", ZJ, None))
    return items


@pytest.mark.parametrize("path", list(PATHS))
def test_projection_agrees_with_the_aggregate_after_every_event(path: str) -> None:
    events = events_of(path)
    envelopes = [over_the_wire(e) for e in events]
    filer = PATHS[path].filer

    doc: Doc | None = None
    agg: Any = None
    for n, (event, envelope) in enumerate(zip(events, envelopes, strict=True), start=1):
        agg = event.mutate(agg)  # the aggregate as of this version
        if doc is None:
            doc = new_doc("objection", envelope)
        apply_common(doc, envelope)
        project_objection(doc, envelope)
        # The store keeps the document as JSON: it must survive that too.
        doc = json.loads(json.dumps(doc))
        assert doc is not None

        assert envelope.aggregate_type == "ViolationObjection"
        assert envelope.version == event.originator_version == n
        assert envelope.event_id == event_id_for(agg.id, n)
        assert doc["id"] == str(agg.id) == str(CASE_ID)
        assert doc["kind"] == "objection"
        assert doc["version"] == n
        assert doc["status"] == agg.status, f"after {envelope.type}"
        assert deadlines_of_doc(doc) == deadlines_of(agg), f"after {envelope.type}"
        assert doc["updated_at"] == event.at.isoformat()
        assert doc["created_at"] == events[0].at.isoformat()
        assert doc["provinces"] == {SC: "handling", ZJ: "recording"}
        assert doc["parties"] == sorted(agg.parties)
        assert doc["parties"] == (["driver"] if filer is DRIVER else [])
        assert doc["record_eliminated"] is agg.record_eliminated

        history = doc["history"]
        assert len(history) == n
        assert [h["version"] for h in history] == list(range(1, n + 1))
        assert [h["type"] for h in history] == [type(e).__name__ for e in events[:n]]
        assert [h["province"] for h in history] == [e.actor["province"] for e in events[:n]]
        assert history[-1]["actor"] == {k: event.actor[k] for k in ("sub", "role", "province", "org")}

        assert doc["awaiting"] == expected_awaiting(agg), f"after {envelope.type}"
        if envelope.type != "ObjectionFiled":  # its clock starts with the forwarding, same command
            for item in doc["awaiting"]:
                if item["deadline"] is not None:
                    assert item["deadline"] in doc["deadlines"]
        if agg.is_terminal:
            assert doc["awaiting"] == []
            assert doc["deadlines"] == {}

    assert doc is not None
    assert doc["status"] == PATHS[path].final
    assert doc["version"] == len(events)


def test_awaiting_after_upholding_a_decided_penalty() -> None:
    """Both tasks fall to the recording police: eliminate the record, refund the fine; each disappears
    when done."""
    events = events_of("eliminated_before_refund")
    types = [type(e).__name__ for e in events]
    eliminate_it = awaited("eliminate_record", ZJ, "record_elimination")
    refund_it = awaited("refund_fine", ZJ, None)
    assert fold(events[: types.index("ObjectionUpheld") + 1])["awaiting"] == [eliminate_it]
    assert fold(events[: types.index("PenaltyRevoked") + 1])["awaiting"] == [eliminate_it, refund_it]
    assert fold(events[: types.index("RecordEliminated") + 1])["awaiting"] == [refund_it]
    assert fold(events)["awaiting"] == []
    assert fold(events_of("upheld_with_penalty")[:-1])["awaiting"] == [eliminate_it]


@pytest.mark.parametrize(
    ("path", "upto", "expected"),
    [
        ("upheld_with_penalty", "ObjectionForwarded", [("start_review", ZJ, "objection_review")]),
        ("upheld_with_penalty", "ReviewStarted", [("decide", ZJ, "objection_review")]),
        ("upheld_with_penalty", "EvidenceRequested", [("supply_evidence", SC, None)]),
        ("upheld_with_penalty", "EvidenceSupplied", [("decide", ZJ, "objection_review")]),
        ("upheld_without_penalty", "ObjectionUpheld", [("eliminate_record", ZJ, "record_elimination")]),
        ("upheld_without_penalty", "RecordEliminated", []),
        ("upheld_warning_only", "PenaltyRevoked", [("eliminate_record", ZJ, "record_elimination")]),
        ("upheld_warning_only", "RecordEliminated", []),
        ("dismissed", "ObjectionDismissed", []),
        ("withdrawn_during_evidence_request", "ObjectionWithdrawn", []),
    ],
)
def test_awaiting_spelled_out(path: str, upto: str, expected: list[tuple[str, str, str | None]]) -> None:
    events = events_of(path)
    n = [type(e).__name__ for e in events].index(upto) + 1
    assert fold(events[:n])["awaiting"] == [awaited(*item) for item in expected]


def test_document_fields_of_the_full_path() -> None:
    doc = fold(events_of("upheld_with_penalty"))
    assert (doc["handling"], doc["recording"], doc["plate"]) == (SC, ZJ, "川A12345")
    assert doc["violation"]["record_number"] == RECORD
    assert (doc["violation"]["fine"], doc["violation"]["points"]) == (FINE, POINTS)
    assert datetime.fromisoformat(doc["violation"]["occurred_at"]) == violation().occurred_at
    assert (doc["ground"], doc["ground_detail"], doc["police_report_number"]) == ("plate_misread", "", None)
    assert doc["forwarded_at"] == T0.isoformat()
    assert doc["review_started_at"] == (T0 + H).isoformat()
    assert doc["evidence_requests"] == [
        {
            "request": "请调取当日停车场出入记录",
            "requested_at": (T0 + 2 * H).isoformat(),
            "supplied": {
                "evidence": ["doc:parking-log-0828"],
                "note": "停车场记录显示车辆当时在成都",
                "at": (T0 + D).isoformat(),
            },
        }
    ]
    assert doc["evidence"] == ["photo:parking-receipt", "doc:parking-log-0828"]
    assert doc["decision"] == {"upheld": True, "reason": "号牌识别错误", "at": (T0 + 2 * D).isoformat()}
    assert doc["revocation"] == {"points_reversed": POINTS, "fine_to_refund": FINE}
    assert doc["refund"] == {"amount": FINE, "at": (T0 + 3 * D).isoformat()}
    assert doc["record_eliminated"] is True
    assert doc["withdrawal"] is None


def test_dismissal_and_withdrawal_details() -> None:
    dismissed = fold(events_of("dismissed"))
    assert dismissed["decision"] == {
        "upheld": False,
        "reason": "照片清晰，号牌无误",
        "at": (T0 + D).isoformat(),
    }
    assert (dismissed["revocation"], dismissed["refund"], dismissed["record_eliminated"]) == (
        None,
        None,
        False,
    )
    withdrawn = fold(events_of("withdrawn_during_evidence_request"))
    assert withdrawn["withdrawal"] == {"reason": "已自行缴纳", "at": (T0 + D).isoformat()}
    assert withdrawn["decision"] is None
    assert withdrawn["evidence_requests"][0]["supplied"] is None


def test_overdue_flag_reaches_the_document() -> None:
    """The overdue flag is what both provinces' inboxes show: check it explicitly, not only by equality."""
    events = events_of("review_overdue")
    doc = fold(events[:3])  # filed, forwarded, review overdue
    assert doc["history"][-1]["type"] == "ReviewOverdue"
    assert doc["history"][-1]["province"] is None  # the deadline watcher acts for no province
    assert doc["deadlines"] == {"objection_review": {"due": "2026-11-27T23:59:59+08:00", "overdue": True}}
    assert doc["status"] == "forwarded"
    assert doc["awaiting"] == [awaited("start_review", ZJ, "objection_review")]

    types = [type(e).__name__ for e in events]
    doc = fold(events[: types.index("EliminationOverdue") + 1])
    # Upheld Mon 11-30 01:00 (T0 + 10d): Tue 12-01, Wed 12-02, Thu 12-03 -> due Thu 12-03.
    assert doc["deadlines"] == {"record_elimination": {"due": "2026-12-03T23:59:59+08:00", "overdue": True}}
    assert doc["status"] == "upheld"


# ========================================================================= holds
def test_filing_takes_a_hold_on_the_plate() -> None:
    filed = over_the_wire(events_of("dismissed")[0])
    assert filed.type == "ObjectionFiled"
    (change,) = holds_of(filed)
    assert change == HoldChange(
        case_id=CASE_ID,
        version=1,
        active=True,
        plate="川A12345",
        kind="objection",
        province=ZJ,
        reason=change.reason,
    )
    assert RECORD in change.reason


@pytest.mark.parametrize(
    ("path", "closing"),
    [
        ("upheld_with_penalty", "ObjectionUpheld"),
        ("upheld_without_penalty", "ObjectionUpheld"),
        ("dismissed", "ObjectionDismissed"),
        ("withdrawn_during_evidence_request", "ObjectionWithdrawn"),
        ("filed_and_withdrawn_by_the_office", "ObjectionWithdrawn"),
    ],
)
def test_a_decision_or_withdrawal_releases_the_hold_and_nothing_else_changes_it(
    path: str, closing: str
) -> None:
    changes: dict[str, list[HoldChange]] = {}
    for event in events_of(path):
        envelope = over_the_wire(event)
        changes[envelope.type] = holds_of(envelope)
        if envelope.type == closing:
            assert changes[closing] == [HoldChange(CASE_ID, envelope.version, active=False)]
        elif envelope.type != "ObjectionFiled":
            assert changes[envelope.type] == [], envelope.type
    assert len(changes["ObjectionFiled"]) == 1
    assert changes["ObjectionFiled"][0].active is True


def test_overdue_events_change_no_hold() -> None:
    for event in events_of("review_overdue"):
        envelope = over_the_wire(event)
        if envelope.type.endswith("Overdue"):
            assert holds_of(envelope) == []


def test_hold_changes_ignore_other_workflows() -> None:
    filed = over_the_wire(events_of("dismissed")[0])
    assert holds_of(filed.model_copy(update={"aggregate_type": "VehicleTransfer"})) == []
