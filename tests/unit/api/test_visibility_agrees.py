"""The read side and the command side decide who may see a case by the same rule: for every workflow,
in every status, and for any caller (any province, role, account and organisation), the document a
province's read model holds is visible exactly when the aggregate is. If they disagreed, a GET and a
command on the same id would answer differently (404 against 403), and so tell that the case exists."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from tests.unit.domain import hit_and_run_builders, objection_builders, rescue_builders, transfer_builders
from tests.unit.projections import wire
from xborder.api.presenters import is_visible
from xborder.domain.actors import Actor, Role
from xborder.domain.cases import CaseAggregate
from xborder.workflows.hit_and_run.aggregate import HitAndRunStatus
from xborder.workflows.objection.aggregate import ObjectionStatus
from xborder.workflows.rescue.aggregate import RescueStatus
from xborder.workflows.transfer.aggregate import TransferStatus

PROVINCES = ["510000", "500000", "310000", "330000", "520000", "530000", "610000", None]
SUBS = ["alice", "bob", "driver", "other-driver"]  # the builders' parties are alice and driver
ORGS = [None, "PICC", "CPIC"]  # the rescue builders notify PICC
CALLERS = [
    Actor(sub, province, role, org)
    for province, role, sub, org in itertools.product(PROVINCES, Role, SUBS, ORGS)
]

WORKFLOWS: list[tuple[str, Callable[[Any], CaseAggregate], Iterable[Any]]] = [
    ("VehicleTransfer", transfer_builders.in_status, TransferStatus),
    ("ViolationObjection", objection_builders.in_status, ObjectionStatus),
    ("HitAndRunCase", hit_and_run_builders.in_status, HitAndRunStatus),
    ("JointRescue", rescue_builders.in_status, RescueStatus),
]
CASES = [
    (aggregate_type, build, status) for aggregate_type, build, statuses in WORKFLOWS for status in statuses
]


@pytest.mark.parametrize(("aggregate_type", "build", "status"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_the_document_is_visible_exactly_when_the_aggregate_is(
    aggregate_type: str, build: Callable[[Any], CaseAggregate], status: Any
) -> None:
    aggregate = build(status)
    doc = wire.fold(aggregate_type, list(aggregate.collect_events()))
    disagree = [c for c in CALLERS if is_visible(doc, c) != aggregate.is_visible_to(c)]
    assert not disagree, disagree[:5]
    assert any(aggregate.is_visible_to(c) for c in CALLERS)  # the table tells something
