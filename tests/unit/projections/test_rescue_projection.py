"""The rescue read model, folded from envelopes as Kafka delivers them, agrees with the aggregate after
every single event — status, version, clocks, response times and who must act next; and what each role
may see of it (PIPL Art 28: medical notes only for the hospital and the dispatch centre; an insurer
sees only its own notice)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from tests.unit.domain.rescue_builders import (
    CPIC,
    CPIC_CAR,
    DISPATCHER,
    FUND,
    GUI,
    HOSPITAL,
    NOTES,
    PICC,
    PICC_CAR,
    RESCUE_ID,
    SC,
    SC_POLICE,
    T0,
    UNINSURED_CAR,
    YU,
    YU_POLICE,
    Step,
    admit,
    advance_under,
    arrive,
    close,
    confirm,
    determine,
    dispatch_medical,
    dispatch_police,
    notify_fund,
    notify_insurer,
    open_rescue,
    overdue,
    recover,
    report,
    request_fund,
    review,
)
from tests.unit.projections import wire
from xborder.api.presenters import is_visible, present
from xborder.domain.actors import Actor, Role
from xborder.domain.money import Money
from xborder.infra.contracts import event_id_for
from xborder.projections.casedoc import Doc, apply_common, new_doc
from xborder.workflows.rescue.aggregate import FundRequest, JointRescue, RescueReport, RescueStatus
from xborder.workflows.rescue.funding import FundReason, Head
from xborder.workflows.rescue.masking import mask_rescue
from xborder.workflows.rescue.projector import project_rescue

over_the_wire = partial(wire.over_the_wire, "JointRescue")
fold = partial(wire.fold, "JointRescue")

S = RescueStatus
M = timedelta(minutes=1)
D = timedelta(days=1)
MIXED = report(vehicles=(PICC_CAR, UNINSURED_CAR))
FLED = report(driver_fled=True, vehicles=(PICC_CAR,))


@dataclass(frozen=True)
class Path:
    steps: Sequence[tuple[timedelta, Step]]
    final: S
    what: RescueReport = field(default_factory=report)
    types: Sequence[str] = field(default_factory=tuple)


# Each path: (time after T0, step). Opened Fri 2026-11-20 15:00: fund_notice (when needed) due
# Wed 11-25 23:59:59; a fund notified on Fri 11-20 reviews by Fri 11-27, on Mon 11-30 by Mon 12-07.
PATHS: dict[str, Path] = {
    # Both cars insured: police and hospital of 川, both insurers, then the fund for costs over the limit.
    "insured_then_over_limit": Path(
        [
            (5 * M, dispatch_police(SC)),
            (6 * M, dispatch_medical(SC)),
            (23 * M, arrive()),
            (46 * M, admit()),
            (60 * M, notify_insurer(PICC_CAR)),
            (61 * M, notify_insurer(CPIC_CAR, YU_POLICE)),
            (90 * M, confirm(PICC, 18_000, True)),
            (95 * M, confirm(CPIC, 1_800, False)),
            (2 * D, notify_fund(FundReason.OVER_LIMIT)),
            (3 * D, review(True, 9_500)),
            (4 * D, close),
        ],
        S.CLOSED,
        types=[
            "RescueOpened",
            "PoliceDispatched",
            "MedicalDispatched",
            "PoliceArrived",
            "PatientsAdmitted",
            "InsurerNotified",
            "InsurerNotified",
            "InsurerAdvanceConfirmed",
            "InsurerAdvanceConfirmed",
            "FundNotified",
            "FundAdvancePaid",
            "RescueClosed",
        ],
    ),
    # Issue 12 §4: the police determine PICC's insured at fault; PICC advances under two heads and states
    # medical costs above the limit (the fund's notice clock starts); the fund is asked for 7 days of
    # rescue costs, pays them, and recovers them from the liable party after the rescue is closed.
    "determined_over_limit_then_recovered": Path(
        [
            (10 * M, dispatch_medical(SC)),
            (30 * M, admit()),
            (40 * M, notify_insurer(PICC_CAR)),
            (50 * M, determine(["渝A12345"])),
            (60 * M, advance_under(Head.MEDICAL, 18_000, None, 40_000)),
            (70 * M, advance_under(Head.PROPERTY, 2_000, True, 2_000)),
            (D, request_fund(FundReason.OVER_LIMIT, FundRequest(Money(22_000), date(2026, 11, 27)))),
            (2 * D, review(True, 22_000)),
            (3 * D, close),
            (30 * D, recover(22_000)),
        ],
        S.CLOSED,
        types=[
            "RescueOpened",
            "MedicalDispatched",
            "PatientsAdmitted",
            "InsurerNotified",
            "FaultDetermined",
            "InsurerAdvanceConfirmed",
            "InsurerAdvanceConfirmed",
            "FundNotified",
            "FundAdvancePaid",
            "RescueClosed",
            "FundRecoveryRecorded",
        ],
    ),
    # A fled driver: 渝's own police, 贵's hospital; both fund clocks run out before the fund acts.
    "fled_with_overdue_clocks": Path(
        [
            (5 * M, dispatch_police(YU)),
            (7 * M, dispatch_medical(GUI)),
            (20 * M, arrive(YU_POLICE)),
            (6 * D, overdue("fund_notice")),  # Thu 11-26 15:00, past Wed 11-25 23:59:59
            (10 * D, notify_fund(FundReason.DRIVER_FLED)),  # Mon 11-30: review due Mon 12-07
            (18 * D, overdue("fund_review")),  # Tue 12-08
            (19 * D, review(False)),
            (20 * D, close),
        ],
        S.CLOSED,
        what=FLED,
        types=[
            "RescueOpened",
            "PoliceDispatched",
            "MedicalDispatched",
            "PoliceArrived",
            "FundNoticeOverdue",
            "FundNotified",
            "FundReviewOverdue",
            "FundAdvanceDenied",
            "RescueClosed",
        ],
    ),
    # One car without 交强险: the fund first, then the insured car's insurer; the latest decision counts.
    "mixed_fund_denied_then_insurer": Path(
        [
            (10 * M, dispatch_medical(SC)),
            (20 * M, notify_fund(FundReason.UNINSURED)),
            (30 * M, notify_insurer(PICC_CAR)),
            (1 * D, review(False)),
            (2 * D, confirm(PICC, 1_000, True)),
            (3 * D, admit(["P1"])),
        ],
        S.FUNDING_CONFIRMED,
        what=MIXED,
        types=[
            "RescueOpened",
            "MedicalDispatched",
            "FundNotified",
            "InsurerNotified",
            "FundAdvanceDenied",
            "InsurerAdvanceConfirmed",
            "PatientsAdmitted",
        ],
    ),
    # The same, both decisions at the same instant: the order of the events decides, as in the aggregate.
    "decisions_at_the_same_instant": Path(
        [
            (10 * M, notify_fund(FundReason.UNINSURED)),
            (20 * M, notify_insurer(PICC_CAR)),
            (1 * D, review(False)),
            (1 * D, confirm(PICC, 1_000, True)),
        ],
        S.FUNDING_CONFIRMED,
        what=MIXED,
        types=[
            "RescueOpened",
            "FundNotified",
            "InsurerNotified",
            "FundAdvanceDenied",
            "InsurerAdvanceConfirmed",
        ],
    ),
    "insurer_then_fund_denied_at_the_same_instant": Path(
        [
            (10 * M, notify_fund(FundReason.UNINSURED)),
            (20 * M, notify_insurer(PICC_CAR)),
            (1 * D, confirm(PICC, 1_000, True)),
            (1 * D, review(False)),
        ],
        S.FUNDING_DENIED,
        what=MIXED,
        types=[
            "RescueOpened",
            "FundNotified",
            "InsurerNotified",
            "InsurerAdvanceConfirmed",
            "FundAdvanceDenied",
        ],
    ),
    "closed_while_the_fund_reviews": Path(
        [(10 * M, notify_fund(FundReason.UNINSURED)), (1 * D, close)],
        S.CLOSED,
        what=MIXED,
        types=["RescueOpened", "FundNotified", "RescueClosed"],
    ),
}


def events_of(path: str) -> list[Any]:
    """Drive a rescue along `path`, returning every event it recorded, in order."""
    p = PATHS[path]
    r = open_rescue(T0, what=p.what)
    for offset, step in p.steps:
        step(r, T0 + offset)
    assert r.status == p.final
    events = list(r.collect_events())
    assert [type(e).__name__ for e in events] == list(p.types)
    return events


def deadlines_of_doc(doc: Doc) -> dict[str, tuple[datetime, bool]]:
    return {name: (datetime.fromisoformat(d["due"]), d["overdue"]) for name, d in doc["deadlines"].items()}


def deadlines_of(r: JointRescue) -> dict[str, tuple[datetime, bool]]:
    return {name: (d.due, d.overdue) for name, d in r.deadlines.items()}


def expected_awaiting(r: JointRescue) -> list[dict[str, Any]]:
    """Who must act next, from the aggregate's own state at that version."""
    if r.is_terminal:
        return []
    items: list[dict[str, Any]] = []
    if r.police is not None and not r.police_arrived:
        items.append(
            {"province": r.police[0], "role": "traffic_police", "action": "report_arrival", "deadline": None}
        )
    if r.medical is not None and not r.admitted:
        items.append(
            {"province": r.medical[0], "role": "medical", "action": "report_admission", "deadline": None}
        )
    for name in sorted(r.insurers):
        if r.insurers[name] is None:
            items.append(
                {
                    "province": r.accident,
                    "role": "insurer",
                    "org": name,
                    "action": "confirm_advance",
                    "deadline": None,
                }
            )
    if "fund_notice" in r.deadlines:
        items.append(
            {"province": r.accident, "role": "dispatcher", "action": "notify_fund", "deadline": "fund_notice"}
        )
    if r.fund_notified and not r.fund_reviewed:
        items.append(
            {"province": r.accident, "role": "fund", "action": "review_fund", "deadline": "fund_review"}
        )
    return items


@pytest.mark.parametrize("path", list(PATHS))
def test_projection_agrees_with_the_aggregate_after_every_event(path: str) -> None:
    events = events_of(path)
    doc: Doc | None = None
    agg: Any = None
    for n, event in enumerate(events, start=1):
        envelope = over_the_wire(event)
        agg = event.mutate(agg)  # the aggregate as of this version
        if doc is None:
            doc = new_doc("rescue", envelope)
        apply_common(doc, envelope)
        project_rescue(doc, envelope)
        # The store keeps the document as JSON: it must survive that too.
        doc = json.loads(json.dumps(doc))
        assert doc is not None
        after = f"after {envelope.type} (v{n})"

        assert envelope.aggregate_type == "JointRescue"
        assert envelope.version == event.originator_version == n
        assert envelope.event_id == event_id_for(agg.id, n)
        assert doc["id"] == str(agg.id) == str(RESCUE_ID)
        assert doc["kind"] == "rescue"
        assert doc["version"] == n
        assert doc["status"] == agg.status, after
        assert deadlines_of_doc(doc) == deadlines_of(agg), after
        assert doc["provinces"] == agg.roles, after
        assert doc["updated_at"] == event.at.isoformat()
        assert doc["created_at"] == events[0].at.isoformat()
        assert doc["accident"] == YU
        assert doc["driver_fled"] is agg.driver_fled
        assert set(doc["insurers"]) == set(agg.insurers), after
        for name, amount in agg.insurers.items():
            # what the insurer advanced, under every head (the first advance kept as `advance`)
            advances = doc["insurers"][name].get("advances", {})
            assert (sum(a["amount"] for a in advances.values()) or None) == amount, after
            assert (doc["insurers"][name]["advance"] is None) is (amount is None), after
        assert (doc["fund"] is not None) is agg.fund_notified
        assert (doc["fund"] is not None and doc["fund"]["review"] is not None) is agg.fund_reviewed

        history = doc["history"]
        assert [h["version"] for h in history] == list(range(1, n + 1))
        assert [h["type"] for h in history] == [type(e).__name__ for e in events[:n]]

        assert doc["awaiting"] == expected_awaiting(agg), after
        for item in doc["awaiting"]:
            if item["deadline"] is not None:
                assert item["deadline"] in doc["deadlines"], after
        if agg.is_terminal:
            assert doc["awaiting"] == []
            assert doc["deadlines"] == {}

    assert doc is not None
    assert doc["status"] == PATHS[path].final
    assert doc["version"] == len(events)


def test_response_times_in_the_document() -> None:
    events = events_of("insured_then_over_limit")
    types = [type(e).__name__ for e in events]
    dispatched = fold(events[: types.index("MedicalDispatched") + 1])
    assert dispatched["police"] == {
        "province": SC,
        "unit": "四川高速公路交警六支队三大队",
        "dispatched_at": (T0 + 5 * M).isoformat(),
        "arrived_at": None,
        "response_seconds": None,
    }
    assert dispatched["medical"] == {
        "province": SC,
        "hospital": "广安市人民医院",
        "dispatched_at": (T0 + 6 * M).isoformat(),
        "admitted_at": None,
        "patients": [],
        "response_seconds": None,
    }
    doc = fold(events[: types.index("PatientsAdmitted") + 1])
    assert (doc["police"]["arrived_at"], doc["police"]["response_seconds"]) == (
        (T0 + 23 * M).isoformat(),
        18 * 60,
    )
    assert (doc["medical"]["admitted_at"], doc["medical"]["response_seconds"]) == (
        (T0 + 46 * M).isoformat(),
        40 * 60,
    )
    assert doc["medical"]["patients"] == ["P1", "P2"]
    assert doc["status"] == "patients_admitted"


def test_document_fields_of_the_full_path() -> None:
    doc = fold(events_of("insured_then_over_limit"))
    assert (doc["accident"], doc["plate"], doc["driver_fled"], doc["hit_and_run_id"]) == (
        YU,
        "渝A12345",
        False,
        None,
    )
    assert doc["place"]["road"] == "G75 兰海高速 (渝川界)"
    assert [c["medical_notes"] for c in doc["casualties"]] == [NOTES["P1"], NOTES["P2"]]
    picc = {
        "amount": 18_000,
        "at_fault": True,
        "at": (T0 + 90 * M).isoformat(),
        "head": "medical",
        "limit": 18_000,
        "at_fault_provisional": True,
        "costs": None,
        "over_limit": False,
    }
    cpic = {**picc, "amount": 1_800, "at_fault": False, "at": (T0 + 95 * M).isoformat(), "limit": 1_800}
    assert doc["insurers"] == {
        "PICC": {
            "policy": "PDZA2026500000012345",
            "notified_at": (T0 + 60 * M).isoformat(),
            "advance": picc,
            "advances": {"medical": picc},
        },
        "CPIC": {
            "policy": "PDZA2026510000054321",
            "notified_at": (T0 + 61 * M).isoformat(),
            "advance": cpic,
            "advances": {"medical": cpic},
        },
    }
    assert doc["fault"] is None
    assert doc["fund"] == {
        "reason": "over_limit",
        "notified_at": (T0 + 2 * D).isoformat(),
        "review": {"approved": True, "amount": 9_500, "at": (T0 + 3 * D).isoformat()},
        "request": {"rescue_costs": None, "rescue_costs_until": None, "funeral_costs": None, "deceased": []},
        "recoveries": [],
        "recovered": 0,
    }
    assert doc["closed_at"] == (T0 + 4 * D).isoformat()
    assert doc["provinces"] == {YU: "accident", SC: "responder"}


def test_a_fled_drivers_rescue_links_its_hit_and_run_case() -> None:
    from xborder.workflows.rescue.aggregate import hit_and_run_id_for

    doc = fold(events_of("fled_with_overdue_clocks")[:1])
    assert doc["hit_and_run_id"] == str(hit_and_run_id_for(RESCUE_ID))
    assert doc["deadlines"] == {"fund_notice": {"due": "2026-11-25T23:59:59+08:00", "overdue": False}}
    assert doc["awaiting"] == [
        {"province": YU, "role": "dispatcher", "action": "notify_fund", "deadline": "fund_notice"}
    ]


def test_awaiting_spelled_out() -> None:
    events = events_of("insured_then_over_limit")
    types = [type(e).__name__ for e in events]

    def upto(kind: str, nth: int = 1) -> list[dict[str, Any]]:
        index = [i for i, t in enumerate(types) if t == kind][nth - 1]
        awaiting: list[dict[str, Any]] = fold(events[: index + 1])["awaiting"]
        return awaiting

    arrival = {"province": SC, "role": "traffic_police", "action": "report_arrival", "deadline": None}
    admission = {"province": SC, "role": "medical", "action": "report_admission", "deadline": None}

    def advance(org: str) -> dict[str, Any]:
        return {"province": YU, "role": "insurer", "org": org, "action": "confirm_advance", "deadline": None}

    review_it = {"province": YU, "role": "fund", "action": "review_fund", "deadline": "fund_review"}
    assert upto("RescueOpened") == []  # both insured: nothing awaited until someone is sent
    assert upto("PoliceDispatched") == [arrival]
    assert upto("MedicalDispatched") == [arrival, admission]
    assert upto("PoliceArrived") == [admission]
    assert upto("PatientsAdmitted") == []
    assert upto("InsurerNotified") == [advance("PICC")]
    assert upto("InsurerNotified", 2) == [advance("CPIC"), advance("PICC")]
    assert upto("InsurerAdvanceConfirmed") == [advance("CPIC")]
    assert upto("InsurerAdvanceConfirmed", 2) == []
    assert upto("FundNotified") == [review_it]
    assert upto("FundAdvancePaid") == []


def test_overdue_flags_reach_the_document() -> None:
    events = events_of("fled_with_overdue_clocks")
    types = [type(e).__name__ for e in events]
    doc = fold(events[: types.index("FundNoticeOverdue") + 1])
    assert doc["history"][-1]["province"] is None  # the deadline watcher acts for no province
    assert doc["deadlines"] == {"fund_notice": {"due": "2026-11-25T23:59:59+08:00", "overdue": True}}
    assert doc["awaiting"][-1] == {
        "province": YU,
        "role": "dispatcher",
        "action": "notify_fund",
        "deadline": "fund_notice",
    }
    doc = fold(events[: types.index("FundReviewOverdue") + 1])
    # Notified Mon 11-30 15:00: Tue 12-01 .. Mon 12-07 are days 1-5 -> due Mon 12-07.
    assert doc["deadlines"] == {"fund_review": {"due": "2026-12-07T23:59:59+08:00", "overdue": True}}
    assert doc["status"] == "responding"
    assert doc["provinces"] == {YU: "accident", GUI: "responder"}


# ===================================================================== presenting
def notified_doc() -> Doc:
    """Both insurers notified, PICC's advance confirmed, CPIC's still awaited."""
    return fold(events_of("insured_then_over_limit")[:8])


ROLES = {
    "dispatcher": DISPATCHER,
    "accident_police": YU_POLICE,
    "responder_police": SC_POLICE,
    "hospital": HOSPITAL,
    "picc": PICC,
    "cpic": CPIC,
    "fund": FUND,
}
SEES_NOTES = {"dispatcher", "hospital"}


@pytest.mark.parametrize("who", list(ROLES))
def test_medical_notes_only_for_the_hospital_and_the_dispatch_centre(who: str) -> None:
    doc = notified_doc()
    out = present(doc, ROLES[who], mask_rescue)
    notes = [c["medical_notes"] for c in out["casualties"]]
    if who in SEES_NOTES:
        assert notes == [NOTES["P1"], NOTES["P2"]]
    else:
        assert notes == [None, None]
        assert all(note not in json.dumps(out, ensure_ascii=False) for note in NOTES.values())
    # what else they see of the casualties is the same for everyone
    assert [(c["ref"], c["severity"]) for c in out["casualties"]] == [("P1", "serious"), ("P2", "minor")]
    # presenting never changes the stored document
    assert [c["medical_notes"] for c in doc["casualties"]] == [NOTES["P1"], NOTES["P2"]]


@pytest.mark.parametrize("insurer", [PICC, CPIC], ids=lambda a: a.sub)
def test_an_insurer_sees_only_its_own_notice(insurer: Actor) -> None:
    doc = notified_doc()
    out = present(doc, insurer, mask_rescue)
    assert insurer.org is not None
    assert list(out["insurers"]) == [insurer.org]
    assert out["insurers"][insurer.org] == doc["insurers"][insurer.org]
    # nor does the rest of the document tell it about the other insurer's notice or advance
    assert [i.get("org") for i in out["awaiting"] if i["role"] == "insurer"] in ([], [insurer.org])
    assert all(
        h["actor"]["org"] in (None, insurer.org) for h in out["history"] if h["actor"]["role"] == "insurer"
    )
    assert set(doc["insurers"]) == {"PICC", "CPIC"}  # the stored document keeps both


@pytest.mark.parametrize("who", [w for w in ROLES if w not in ("picc", "cpic")])
def test_other_roles_see_every_insurer(who: str) -> None:
    out = present(notified_doc(), ROLES[who], mask_rescue)
    assert set(out["insurers"]) == {"PICC", "CPIC"}


def test_presented_provinces_and_deadlines() -> None:
    doc = fold(events_of("fled_with_overdue_clocks")[:5])
    out = present(doc, DISPATCHER, mask_rescue)
    assert out["provinces"] == [
        {"code": YU, "province_name": "重庆市", "role": "accident"},
        {"code": GUI, "province_name": "贵州省", "role": "responder"},
    ]
    assert out["deadlines"] == [{"name": "fund_notice", "due": "2026-11-25T23:59:59+08:00", "overdue": True}]
    assert out["accident_province_name"] == "重庆市"


def test_insurers_see_a_rescue_only_once_notified() -> None:
    events = events_of("insured_then_over_limit")
    before = fold(events[:5])  # admitted, no insurer notified yet
    assert not is_visible(before, PICC)
    assert not is_visible(before, CPIC)
    one = fold(events[:6])  # PICC notified
    assert is_visible(one, PICC)
    assert not is_visible(one, CPIC)
    assert not is_visible(one, Actor("pingan", YU, Role.INSURER, org="PINGAN"))
    assert not is_visible(one, Actor("no-org", YU, Role.INSURER))
    both = fold(events[:7])
    assert is_visible(both, PICC) and is_visible(both, CPIC)
    # every other role of a province holding the document sees it
    for actor in (DISPATCHER, YU_POLICE, SC_POLICE, HOSPITAL, FUND):
        assert is_visible(before, actor)
