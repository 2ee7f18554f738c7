"""The workflows this service runs: the one list the rest of the code learns them from.

Adding a workflow is adding its package here and one line below. Order matters only for the
Applications' construction (a rescue's process manager opens hit-and-run cases, so both exist before
any worker starts — the root builds every Application before any worker) and for the API's tags.
"""

from __future__ import annotations

from typing import Final

from xborder.workflow import WorkflowSpec, check_registry
from xborder.workflows import hit_and_run, objection, rescue, transfer

WORKFLOWS: Final[tuple[WorkflowSpec, ...]] = (
    transfer.SPEC,
    objection.SPEC,
    hit_and_run.SPEC,
    rescue.SPEC,
)

check_registry(WORKFLOWS)
