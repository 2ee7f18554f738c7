"""`xborder calendar apply`: recount the provisional deadlines of open cases with the calendar as it now
is, after a year's holiday schedule was added (a `chinesecalendar` upgrade or `HOLIDAYS_FILE`).

Each case whose due times change records a `DeadlineRevised` event through its workflow's Application,
so every involved province's read model and deadline table take it through the normal delivery, and
the history says why. Running it again revises nothing: a recounted deadline that is no longer
provisional is never recounted, one still provisional is recorded again only if its due time changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from xborder.bootstrap import Container

logger = logging.getLogger("xborder.calendar")


@dataclass(frozen=True, slots=True)
class Revision:
    aggregate_type: str
    case_id: UUID


def open_cases_with_deadlines(container: Container) -> list[tuple[str, UUID]]:
    """Every case with a deadline still watched (the deadline table: open, not yet flagged overdue)."""
    with container.db.read() as conn:
        rows = conn.execute(
            "SELECT DISTINCT aggregate_type, aggregate_id FROM xborder_deadlines WHERE state = 'open' "
            "ORDER BY aggregate_type, aggregate_id"
        ).fetchall()
    return [(row["aggregate_type"], UUID(str(row["aggregate_id"]))) for row in rows]


def apply_calendar(container: Container) -> list[Revision]:
    """Recount the provisional deadlines of every open case; the cases that recorded `DeadlineRevised`."""
    at = container.clock.now()
    revised: list[Revision] = []
    for aggregate_type, case_id in open_cases_with_deadlines(container):
        application = container.applications.get(aggregate_type)
        if application is None:
            continue
        if application.revise_provisional(case_id, at):
            revised.append(Revision(aggregate_type, case_id))
            logger.info("deadlines of %s %s revised for the holiday calendar", aggregate_type, case_id)
    return revised
