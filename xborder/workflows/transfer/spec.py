"""跨省转籍: a private car's registration moved to another province."""

from __future__ import annotations

from xborder.infra.contracts import EventContract
from xborder.workflow import WorkflowApi, WorkflowReads, WorkflowSpec
from xborder.workflows.transfer import router as transfers
from xborder.workflows.transfer.application import VehicleTransfers
from xborder.workflows.transfer.contract import EVENT_SCHEMAS
from xborder.workflows.transfer.masking import mask_transfer
from xborder.workflows.transfer.projector import project_transfer

SPEC = WorkflowSpec(
    application=VehicleTransfers,
    contract=EventContract(topic="xborder.vehicle-transfer.v1", events=EVENT_SCHEMAS),
    api=WorkflowApi(kind="transfer", router=transfers.router, masker=mask_transfer),
    reads=WorkflowReads(projector=project_transfer),
)
