"""异地撤销: an objection to a camera-recorded violation, filed far from where it was recorded."""

from __future__ import annotations

from xborder.infra.contracts import EventContract
from xborder.workflow import WorkflowApi, WorkflowReads, WorkflowSpec
from xborder.workflows.objection import router as objections
from xborder.workflows.objection.application import ViolationObjections
from xborder.workflows.objection.contract import EVENT_SCHEMAS
from xborder.workflows.objection.holds import GUIDANCE, objection_holds
from xborder.workflows.objection.masking import mask_objection
from xborder.workflows.objection.projector import project_objection

SPEC = WorkflowSpec(
    application=ViolationObjections,
    contract=EventContract(topic="xborder.violation-objection.v1", events=EVENT_SCHEMAS),
    api=WorkflowApi(kind="objection", router=objections.router, masker=mask_objection),
    reads=WorkflowReads(projector=project_objection, holds=objection_holds, hold_guidance=GUIDANCE),
)
