"""Which projector builds which kind of case document, by aggregate type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xborder.projections.casedoc import WorkflowProjector
from xborder.projections.hit_and_run import project_hit_and_run
from xborder.projections.objection import project_objection
from xborder.projections.rescue import project_rescue
from xborder.projections.transfer import project_transfer


@dataclass(frozen=True, slots=True)
class CaseKind:
    aggregate_type: str
    kind: str  # the API's name: "transfer", "objection", ...
    project: WorkflowProjector


CASE_KINDS: Mapping[str, CaseKind] = {
    "VehicleTransfer": CaseKind("VehicleTransfer", "transfer", project_transfer),
    "ViolationObjection": CaseKind("ViolationObjection", "objection", project_objection),
    "HitAndRunCase": CaseKind("HitAndRunCase", "hit_and_run", project_hit_and_run),
    "JointRescue": CaseKind("JointRescue", "rescue", project_rescue),
}
