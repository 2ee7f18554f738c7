"""Whether a caller may see a case, asked of the event store rather than of a read model.

A read model may not have applied a case yet; the event store always knows it. Both the holds view
(may this caller learn which case holds a vehicle?) and reads that follow a link (is this a case the
caller will see, not yet applied, or none at all?) need an answer that does not depend on projection
lag, decided by the same rule as commands (`CaseAggregate.is_visible_to`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from xborder.domain.actors import Actor
from xborder.domain.errors import CaseNotFound


def visible_case(container: Any, actor: Actor, kind: str, case_id: UUID) -> Any | None:
    """The case's aggregate if it exists and the caller may see it; None otherwise."""
    spec = next((s for s in container.workflows if s.kind == kind), None)
    if spec is None:
        return None
    try:
        case = container.applications[spec.aggregate_type].get(case_id)
    except CaseNotFound:
        return None
    return case if case.is_visible_to(actor) else None
