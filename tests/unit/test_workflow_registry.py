"""The workflow registry is the one place the service learns which workflows exist, and a workflow
missing a piece (a masker above all: without one its personal data would be shown) does not start."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from xborder.domain.application import CaseApplication
from xborder.service import ROUTERS
from xborder.workflow import WorkflowSpec, check_registry
from xborder.workflows.registry import WORKFLOWS, transfer


def test_the_four_workflows_are_registered_once() -> None:
    assert [spec.kind for spec in WORKFLOWS] == ["transfer", "objection", "hit_and_run", "rescue"]
    check_registry(WORKFLOWS)


def test_the_service_serves_exactly_the_registered_routers() -> None:
    workflow_routers = [router for router in ROUTERS if router.prefix.startswith("/v1/")]
    assert workflow_routers == [spec.router for spec in WORKFLOWS]


def respecified(spec: WorkflowSpec, part: str, **change: Any) -> WorkflowSpec:
    """`spec` with one of its parts (`api`, `reads`, `contract`) changed as `change` says."""
    return replace(spec, **{part: replace(getattr(spec, part), **change)})


@pytest.mark.parametrize(("missing", "part"), [("masker", "api"), ("projector", "reads"), ("router", "api")])
def test_a_workflow_without_a_required_piece_does_not_start(missing: str, part: str) -> None:
    with pytest.raises(ValueError, match=f"no {missing}"):
        respecified(transfer.SPEC, part, **{missing: None})


@pytest.mark.parametrize(
    ("part", "change", "message"),
    [
        ("api", {"kind": "Transfer"}, "lower_snake_case"),
        ("contract", {"topic": "transfers"}, "xborder.<name>.v<N>"),
    ],
)
def test_a_misdeclared_workflow_does_not_start(part: str, change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        respecified(transfer.SPEC, part, **change)


def test_an_application_that_names_no_aggregate_does_not_start() -> None:
    """The aggregate type is read from `CaseApplication[<aggregate>]`: an Application declared
    without one has none, and its workflow does not start."""
    with pytest.raises(ValueError, match="its Application records"):
        replace(transfer.SPEC, application=CaseApplication)


def test_an_application_records_its_aggregate_and_is_named_after_itself() -> None:
    """What the event store, its tables and every read model already hold: these names must not
    change when a class is renamed."""
    assert {spec.aggregate_type: spec.application.name for spec in WORKFLOWS} == {
        "VehicleTransfer": "VehicleTransfers",
        "ViolationObjection": "ViolationObjections",
        "HitAndRunCase": "HitAndRunCases",
        "JointRescue": "JointRescues",
    }


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
            spec.reads.projector,
        )
        assert spec.router.prefix == "/v1/" + {"hit_and_run": "hit-and-runs"}.get(spec.kind, spec.kind + "s")
