"""The commands the console offers: the same set as the API's command routes, and offered to the
role, province and status the aggregates' guards admit."""

from __future__ import annotations

from typing import Any

from xborder.console.actions import OFFERS, OPENERS, may_open, offered
from xborder.console.forms import FormCatalog
from xborder.domain.actors import Actor, Role
from xborder.workflows.registry import WORKFLOWS

CHUAN, YU = "510000", "500000"


def test_every_command_of_the_api_is_offered_somewhere_and_nothing_else(catalog: FormCatalog) -> None:
    assert set(OFFERS) == set(OPENERS) == {spec.kind for spec in WORKFLOWS}
    for spec in WORKFLOWS:
        assert set(OFFERS[spec.kind]) == set(catalog.names(spec.kind)), spec.kind


def _transfer(status: str) -> dict[str, Any]:
    return {
        "kind": "transfer",
        "status": status,
        "provinces": [{"code": YU, "role": "destination"}, {"code": CHUAN, "role": "origin"}],
    }


def test_a_transfer_offers_each_office_its_step() -> None:
    origin = Actor("chuan-clerk", CHUAN, Role.VEHICLE_ADMIN)
    destination = Actor("yu-clerk", YU, Role.VEHICLE_ADMIN)
    owner = Actor("alice", YU, Role.OWNER)
    police = Actor("yu-police", YU, Role.TRAFFIC_POLICE)

    assert offered("transfer", _transfer("archive_requested"), origin) == [
        "release_archive",
        "refuse_transfer",
    ]
    assert offered("transfer", _transfer("archive_requested"), destination) == ["withdraw_transfer"]
    assert offered("transfer", _transfer("inspected"), destination) == [
        "register_vehicle",
        "withdraw_transfer",
    ]
    assert offered("transfer", _transfer("archive_requested"), owner) == ["withdraw_transfer"]
    assert offered("transfer", _transfer("registered"), owner) == []
    assert offered("transfer", _transfer("archive_requested"), police) == []


def test_a_rescue_offers_the_dispatched_units_their_reports_and_the_insurer_its_advance() -> None:
    doc = {
        "kind": "rescue",
        "status": "responding",
        "provinces": [{"code": YU, "role": "accident"}, {"code": CHUAN, "role": "responder"}],
        "police": {"province": CHUAN, "arrived_at": None},
        "medical": None,
        "insurers": {"PICC": {"advance": None}},
        "fund": None,
    }
    dispatcher = Actor("cq-120", YU, Role.DISPATCHER)
    assert offered("rescue", doc, dispatcher) == [
        "dispatch_medical",
        "notify_insurer",
        "notify_fund",
        "close_rescue",
    ]
    assert offered("rescue", doc, Actor("sc-police", CHUAN, Role.TRAFFIC_POLICE)) == ["report_police_arrival"]
    assert offered("rescue", doc, Actor("cq-police", YU, Role.TRAFFIC_POLICE)) == [
        "notify_insurer",
        "notify_fund",
        "determine_fault",
    ]
    assert offered("rescue", doc, Actor("picc", YU, Role.INSURER, "PICC")) == ["confirm_insurer_advance"]
    assert offered("rescue", {**doc, "status": "closed"}, dispatcher) == []
    # an insurer may advance under each of the three 交强险 heads; the fund recovers what it paid
    medical = {"advance": {"amount": 1}, "advances": {"medical": {"amount": 1}}}
    picc = Actor("picc", YU, Role.INSURER, "PICC")
    assert offered("rescue", {**doc, "insurers": {"PICC": medical}}, picc) == ["confirm_insurer_advance"]
    three = {**medical, "advances": {key: {} for key in ("medical", "death_disability", "property")}}
    assert offered("rescue", {**doc, "insurers": {"PICC": three}}, picc) == []
    fund = Actor("cq-fund", YU, Role.FUND)
    paid = {"review": {"approved": True, "amount": 9_500}, "recovered": 0}
    closed = {**doc, "status": "closed", "fund": paid}
    assert offered("rescue", closed, fund) == ["record_recovery"]
    assert offered("rescue", {**closed, "fund": {**paid, "recovered": 9_500}}, fund) == []


def test_who_opens_what() -> None:
    assert may_open("transfer", Actor("alice", YU, Role.OWNER))
    assert may_open("rescue", Actor("cq-120", YU, Role.DISPATCHER))
    assert not may_open("rescue", Actor("alice", YU, Role.OWNER))
    assert not may_open("hit_and_run", Actor("cq-police", YU, Role.TRAFFIC_POLICE))
