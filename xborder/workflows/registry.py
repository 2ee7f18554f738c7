"""The workflows this service runs: the one list the rest of the code learns them from.

Adding a workflow is adding its package under `xborder/workflows/` and one line below. Order matters
only for the API's tags (the root builds every Application before it starts any worker, so a rescue's
process manager always finds the hit-and-run Application).
"""

from __future__ import annotations

from typing import Final

from xborder.workflow import WorkflowSpec, check_registry
from xborder.workflows.hit_and_run import spec as hit_and_run
from xborder.workflows.objection import spec as objection
from xborder.workflows.rescue import spec as rescue
from xborder.workflows.transfer import spec as transfer

WORKFLOWS: Final[tuple[WorkflowSpec, ...]] = (
    transfer.SPEC,
    objection.SPEC,
    hit_and_run.SPEC,
    rescue.SPEC,
)

check_registry(WORKFLOWS)
