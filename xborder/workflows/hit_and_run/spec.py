"""逃逸协查: a hit-and-run hunted across provinces (一地提请，多地响应)."""

from __future__ import annotations

from xborder.infra.contracts import EventContract
from xborder.workflow import WorkflowApi, WorkflowReads, WorkflowSpec
from xborder.workflows.hit_and_run import router as hit_and_runs
from xborder.workflows.hit_and_run.application import HitAndRunCases
from xborder.workflows.hit_and_run.contract import EVENT_SCHEMAS
from xborder.workflows.hit_and_run.holds import GUIDANCE, hit_and_run_holds
from xborder.workflows.hit_and_run.masking import mask_hit_and_run
from xborder.workflows.hit_and_run.projector import project_hit_and_run

SPEC = WorkflowSpec(
    application=HitAndRunCases,
    contract=EventContract(topic="xborder.hit-and-run.v1", events=EVENT_SCHEMAS),
    api=WorkflowApi(kind="hit_and_run", router=hit_and_runs.router, masker=mask_hit_and_run),
    reads=WorkflowReads(projector=project_hit_and_run, holds=hit_and_run_holds, hold_guidance=GUIDANCE),
)
