"""警医保联动: a road rescue where the nearest police unit, hospital and insurer act together."""

from __future__ import annotations

from xborder.infra.contracts import Envelope, EventContract
from xborder.workflow import (
    Applications,
    ProcessManagerContext,
    ProcessManagerSpec,
    WorkflowApi,
    WorkflowReads,
    WorkflowSpec,
)
from xborder.workflows.hit_and_run.application import HitAndRunCases
from xborder.workflows.rescue import process as rescue_process
from xborder.workflows.rescue import router as rescues
from xborder.workflows.rescue.application import JointRescues
from xborder.workflows.rescue.contract import EVENT_SCHEMAS
from xborder.workflows.rescue.masking import mask_rescue
from xborder.workflows.rescue.projector import project_rescue
from xborder.workflows.rescue.stats import response_times


def _hit_and_runs(applications: Applications) -> HitAndRunCases:
    app = applications[HitAndRunCases.aggregate_type]
    assert isinstance(app, HitAndRunCases)
    return app


def _build(context: ProcessManagerContext) -> rescue_process.RescueHitAndRunProcess:
    return rescue_process.RescueHitAndRunProcess(
        context.feed,
        context.db,
        _hit_and_runs(context.applications),
        poll_timeout=context.poll_timeout,
        dead_letters=context.dead_letters,
    )


def _handle(envelope: Envelope, applications: Applications) -> bool:
    return rescue_process.open_hit_and_run_case(envelope, _hit_and_runs(applications))


FLED_DRIVER_OPENS_HIT_AND_RUN = ProcessManagerSpec(
    consumer=rescue_process.CONSUMER,
    listens_to=(JointRescues.aggregate_type,),
    build=_build,
    handle=_handle,
)

SPEC = WorkflowSpec(
    application=JointRescues,
    contract=EventContract(topic="xborder.joint-rescue.v1", events=EVENT_SCHEMAS),
    api=WorkflowApi(kind="rescue", router=rescues.router, masker=mask_rescue),
    reads=WorkflowReads(projector=project_rescue, stats=response_times),
    process_managers=(FLED_DRIVER_OPENS_HIT_AND_RUN,),
)
