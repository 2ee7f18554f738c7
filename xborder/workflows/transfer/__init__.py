"""跨省转籍: a private car's registration moved to another province."""

from __future__ import annotations

from xborder.api import transfers
from xborder.api.presenters import mask_transfer
from xborder.domain.transfer.application import VehicleTransfers
from xborder.projections.transfer import project_transfer
from xborder.workflow import WorkflowSpec

SPEC = WorkflowSpec(
    kind="transfer",
    aggregate_type=VehicleTransfers.aggregate_type,
    topic="xborder.vehicle-transfer.v1",
    application=VehicleTransfers,
    projector=project_transfer,
    router=transfers.router,
    masker=mask_transfer,
)
