"""What the read models need to know of a workflow: its case kind, projector and own statistics.

Built by the composition root from the workflow registry (`xborder.workflows`); nothing here names a
workflow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import DictRow

from xborder.projections.casedoc import WorkflowProjector

# Extra figures for /v1/stats, computed in the stats transaction over a province's schema.
StatsQuery = Callable[[psycopg.Connection[DictRow], sql.Identifier], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class CaseKind:
    aggregate_type: str
    kind: str  # the API's name: "transfer", "objection", ...
    project: WorkflowProjector
    stats: StatsQuery | None = None
