"""The transfer read model, folded from envelopes as Kafka delivers them, agrees with the aggregate
after every single event — status, version, clocks, history and who must act next."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest

from tests.unit.domain.transfer_builders import (
    ALICE,
    CHUAN,
    CQ,
    NEW_PLATE,
    SC,
    T0,
    WATCHER,
    YU,
    apply,
    inspect_fail,
    inspect_pass,
    register,
    reject,
    release,
    verify,
)
from tests.unit.projections import wire
from xborder.infra.contracts import event_id_for
from xborder.projections.casedoc import Doc, apply_common, new_doc
from xborder.workflows.transfer.aggregate import TransferStatus, VehicleTransfer
from xborder.workflows.transfer.projector import project_transfer

over_the_wire = partial(wire.over_the_wire, "VehicleTransfer")

S = TransferStatus
Step = Callable[[VehicleTransfer, datetime], None]


def overdue(name: str) -> Step:
    def step(t: VehicleTransfer, at: datetime) -> None:
        assert t.mark_overdue(name, at, WATCHER), f"{name} was not overdue at {at}"

    step.__name__ = f"overdue_{name}"
    return step


def refuse(t: VehicleTransfer, at: datetime) -> None:
    t.refuse(["stolen", "unresolved_accident"], "盗抢记录", actor=CHUAN, at=at)


def withdraw(t: VehicleTransfer, at: datetime) -> None:
    t.withdraw("moving back", actor=ALICE, at=at)


def withdraw_by_office(t: VehicleTransfer, at: datetime) -> None:
    t.withdraw("owner asked at the counter", actor=YU, at=at)


H = timedelta(hours=1)
D = timedelta(days=1)
# Each path: (time after T0, step). Applied Fri 2026-11-20 15:00: archive_release due Tue 11-24;
# a release at T0+1h opens archive_verification (Mon 11-23) and transfer_lapse (Mon 12-21);
# a passed inspection at T0+3h opens registration (Wed 11-25).
PATHS: dict[str, Sequence[tuple[timedelta, Step]]] = {
    "happy": [(1 * H, release), (2 * H, verify), (3 * H, inspect_pass), (4 * H, register)],
    "refusal": [(1 * H, refuse)],
    "late_refusal": [(5 * D, overdue("archive_release")), (6 * D, refuse)],
    "rejection": [(1 * H, release), (2 * H, reject)],
    "failed_then_passed": [
        (1 * H, release),
        (2 * H, verify),
        (3 * H, inspect_fail),
        (1 * D, inspect_fail),
        (2 * D, inspect_pass),
        (8 * D, overdue("registration")),
        (9 * D, register),
    ],
    "withdrawal": [(1 * H, release), (4 * D, overdue("archive_verification")), (5 * D, withdraw)],
    "withdrawal_by_office": [(1 * H, release), (2 * H, verify), (3 * H, withdraw_by_office)],
    "lapse": [
        (1 * H, release),
        (4 * D, overdue("archive_verification")),
        (5 * D, verify),
        (6 * D, inspect_fail),
        (40 * D, overdue("transfer_lapse")),
    ],
    "lapse_after_inspection": [
        (1 * H, release),
        (2 * H, verify),
        (3 * H, inspect_pass),
        (10 * D, overdue("registration")),
        (40 * D, overdue("transfer_lapse")),
    ],
}
FINAL = {
    "happy": S.REGISTERED,
    "refusal": S.REFUSED,
    "late_refusal": S.REFUSED,
    "rejection": S.ARCHIVE_REJECTED,
    "failed_then_passed": S.REGISTERED,
    "withdrawal": S.WITHDRAWN,
    "withdrawal_by_office": S.WITHDRAWN,
    "lapse": S.LAPSED,
    "lapse_after_inspection": S.LAPSED,
}

# Who must act next, by status: (province, role, action, the clock it runs against).
AWAITING = {
    S.ARCHIVE_REQUESTED: (SC, "vehicle_admin", "release_or_refuse_archive", "archive_release"),
    S.ARCHIVE_RELEASED: (CQ, "vehicle_admin", "verify_archive", "archive_verification"),
    S.ARCHIVE_VERIFIED: (CQ, "vehicle_admin", "inspect_vehicle", None),
    S.INSPECTED: (CQ, "vehicle_admin", "register_vehicle", "registration"),
}


def events_of(path: str) -> list[Any]:
    """Drive a transfer along `path`, returning every event it recorded, in order."""
    t = apply(T0)
    for offset, step in PATHS[path]:
        step(t, T0 + offset)
    assert t.status == FINAL[path]
    return list(t.collect_events())


def deadlines_of_doc(doc: Doc) -> dict[str, tuple[datetime, bool]]:
    return {name: (datetime.fromisoformat(d["due"]), d["overdue"]) for name, d in doc["deadlines"].items()}


def deadlines_of(t: VehicleTransfer) -> dict[str, tuple[datetime, bool]]:
    return {name: (d.due, d.overdue) for name, d in t.deadlines.items()}


@pytest.mark.parametrize("path", list(PATHS))
def test_projection_agrees_with_the_aggregate_after_every_event(path: str) -> None:
    events = events_of(path)
    envelopes = [over_the_wire(e) for e in events]

    doc: Doc | None = None
    agg: Any = None
    for n, (event, envelope) in enumerate(zip(events, envelopes, strict=True), start=1):
        agg = event.mutate(agg)  # the aggregate as of this version
        if doc is None:
            doc = new_doc("transfer", envelope)
        apply_common(doc, envelope)
        project_transfer(doc, envelope)
        # The store keeps the document as JSON: it must survive that too.
        doc = json.loads(json.dumps(doc))
        assert doc is not None

        assert envelope.version == event.originator_version == n
        assert envelope.event_id == event_id_for(agg.id, n)
        assert doc["id"] == str(agg.id)
        assert doc["version"] == n
        assert doc["status"] == agg.status, f"after {envelope.type}"
        assert deadlines_of_doc(doc) == deadlines_of(agg), f"after {envelope.type}"
        assert doc["updated_at"] == event.at.isoformat()
        assert doc["created_at"] == events[0].at.isoformat()
        assert doc["provinces"] == {SC: "origin", CQ: "destination"}
        assert doc["parties"] == ["alice"]

        history = doc["history"]
        assert len(history) == n
        assert [h["version"] for h in history] == list(range(1, n + 1))
        assert [h["type"] for h in history] == [type(e).__name__ for e in events[:n]]
        assert [h["province"] for h in history] == [e.actor["province"] for e in events[:n]]
        assert history[-1]["actor"] == {k: event.actor[k] for k in ("sub", "role", "province", "org")}

        if agg.status in AWAITING:
            province, role, action, clock = AWAITING[agg.status]
            assert doc["awaiting"] == [
                {"province": province, "role": role, "action": action, "deadline": clock}
            ]
            # Once the command is complete (TransferApplied is followed by ArchiveRequested in the
            # same command), the clock an awaited action names is running.
            if clock is not None and envelope.type != "TransferApplied":
                assert clock in doc["deadlines"]
        else:
            assert agg.is_terminal
            assert doc["awaiting"] == []
            assert doc["deadlines"] == {}

    assert doc is not None
    assert doc["status"] == FINAL[path]
    assert doc["version"] == len(events)


def test_document_fields_of_the_happy_path() -> None:
    doc: Doc | None = None
    for event in events_of("failed_then_passed"):
        envelope = over_the_wire(event)
        doc = doc or new_doc("transfer", envelope)
        apply_common(doc, envelope)
        project_transfer(doc, envelope)
    assert doc is not None
    assert (doc["plate"], doc["vin"], doc["origin"], doc["destination"]) == (
        "川A12345",
        "1M8GDM9AXKP042788",
        SC,
        CQ,
    )
    assert (doc["vehicle_type"], doc["use"], doc["mortgagee"]) == ("small_passenger", "non_commercial", None)
    assert doc["archive_ref"] == "ARC-510000-0001"
    assert doc["archive_verification"] == {"accepted": True, "reason": ""}
    assert [i["passed"] for i in doc["inspections"]] == [False, False, True]
    assert doc["inspections"][0]["reasons"] == ["VIN rubbing unreadable"]
    assert doc["new_plate"] == NEW_PLATE.value


def test_refusal_and_withdrawal_details() -> None:
    def fold(path: str) -> Doc:
        doc: Doc | None = None
        for event in events_of(path):
            envelope = over_the_wire(event)
            doc = doc or new_doc("transfer", envelope)
            apply_common(doc, envelope)
            project_transfer(doc, envelope)
        assert doc is not None
        return doc

    assert fold("refusal")["refusal"] == {"reasons": ["stolen", "unresolved_accident"], "detail": "盗抢记录"}
    assert fold("withdrawal")["withdrawal"] == {"reason": "moving back"}
    assert fold("rejection")["archive_verification"] == {
        "accepted": False,
        "reason": "archive VIN does not match",
    }


def test_overdue_flag_reaches_the_document() -> None:
    """The overdue flag is what both provinces' inboxes show: check it explicitly, not only by equality."""
    events = events_of("withdrawal")
    doc: Doc | None = None
    for event in events[:4]:  # applied, requested, released, verification overdue
        envelope = over_the_wire(event)
        doc = doc or new_doc("transfer", envelope)
        apply_common(doc, envelope)
        project_transfer(doc, envelope)
    assert doc is not None
    assert doc["history"][-1]["type"] == "ArchiveVerificationOverdue"
    assert doc["history"][-1]["province"] is None  # the deadline watcher acts for no province
    assert doc["deadlines"]["archive_verification"]["overdue"] is True
    assert doc["deadlines"]["transfer_lapse"]["overdue"] is False
    assert doc["status"] == "archive_released"
