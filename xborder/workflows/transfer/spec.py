"""跨省转籍: a private car's registration moved to another province."""

from __future__ import annotations

from xborder.workflow import WorkflowSpec
from xborder.workflows.transfer import router as transfers
from xborder.workflows.transfer.application import VehicleTransfers
from xborder.workflows.transfer.contract import EVENT_SCHEMAS
from xborder.workflows.transfer.masking import mask_transfer
from xborder.workflows.transfer.projector import project_transfer
from xborder.workflows.transfer.terms import NATIONAL_TERMS

SPEC = WorkflowSpec(
    kind="transfer",
    aggregate_type=VehicleTransfers.aggregate_type,
    topic="xborder.vehicle-transfer.v1",
    application=VehicleTransfers,
    terms=NATIONAL_TERMS,
    projector=project_transfer,
    router=transfers.router,
    masker=mask_transfer,
    events=EVENT_SCHEMAS,
)
