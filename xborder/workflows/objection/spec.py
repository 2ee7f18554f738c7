"""异地撤销: an objection to a camera-recorded violation, filed far from where it was recorded."""

from __future__ import annotations

from xborder.workflow import WorkflowSpec
from xborder.workflows.objection import router as objections
from xborder.workflows.objection.application import ViolationObjections
from xborder.workflows.objection.contract import EVENT_SCHEMAS
from xborder.workflows.objection.holds import objection_holds
from xborder.workflows.objection.masking import mask_objection
from xborder.workflows.objection.projector import project_objection
from xborder.workflows.objection.terms import NATIONAL_TERMS

SPEC = WorkflowSpec(
    kind="objection",
    aggregate_type=ViolationObjections.aggregate_type,
    topic="xborder.violation-objection.v1",
    application=ViolationObjections,
    terms=NATIONAL_TERMS,
    projector=project_objection,
    router=objections.router,
    masker=mask_objection,
    events=EVENT_SCHEMAS,
    holds=objection_holds,
)
