"""异地撤销: an objection to a camera-recorded violation, filed far from where it was recorded."""

from __future__ import annotations

from xborder.api import objections
from xborder.api.presenters import mask_objection
from xborder.domain.objection.application import ViolationObjections
from xborder.projections.objection import project_objection
from xborder.workflow import WorkflowSpec
from xborder.workflows.objection.holds import objection_holds

SPEC = WorkflowSpec(
    kind="objection",
    aggregate_type=ViolationObjections.aggregate_type,
    topic="xborder.violation-objection.v1",
    application=ViolationObjections,
    projector=project_objection,
    router=objections.router,
    masker=mask_objection,
    holds=objection_holds,
)
