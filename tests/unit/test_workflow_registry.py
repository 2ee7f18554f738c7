"""The workflow registry is the one place the service learns which workflows exist, and a workflow
missing a piece (a masker above all: without one its personal data would be shown) does not start."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from xborder.service import ROUTERS
from xborder.workflow import WorkflowSpec, check_registry
from xborder.workflows.registry import WORKFLOWS, transfer


def test_the_four_workflows_are_registered_once() -> None:
    assert [spec.kind for spec in WORKFLOWS] == ["transfer", "objection", "hit_and_run", "rescue"]
    check_registry(WORKFLOWS)


def test_the_service_serves_exactly_the_registered_routers() -> None:
    workflow_routers = [router for router in ROUTERS if router.prefix.startswith("/v1/")]
    assert workflow_routers == [spec.router for spec in WORKFLOWS]


@pytest.mark.parametrize("missing", ["masker", "projector", "router"])
def test_a_workflow_without_a_required_piece_does_not_start(missing: str) -> None:
    with pytest.raises(ValueError, match=f"no {missing}"):
        replace(transfer.SPEC, **{missing: None})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "Transfer"}, "lower_snake_case"),
        ({"topic": "transfers"}, "xborder.<name>.v<N>"),
        ({"aggregate_type": "JointRescue"}, "its Application records"),
    ],
)
def test_a_misdeclared_workflow_does_not_start(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(transfer.SPEC, **change)


def test_two_workflows_may_not_share_a_name_topic_or_prefix() -> None:
    twin: WorkflowSpec = replace(transfer.SPEC)
    with pytest.raises(ValueError, match="share the kind"):
        check_registry([transfer.SPEC, twin])


def test_every_registered_workflow_projects_and_masks_its_own_kind() -> None:
    for spec in WORKFLOWS:
        kind = spec.case_kind()
        assert (kind.aggregate_type, kind.kind, kind.project) == (
            spec.aggregate_type,
            spec.kind,
            spec.projector,
        )
        assert spec.router.prefix == "/v1/" + {"hit_and_run": "hit-and-runs"}.get(spec.kind, spec.kind + "s")
