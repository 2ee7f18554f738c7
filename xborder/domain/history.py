"""A case's history with every event's decisions in it, including events recorded before they were.

Since class version 2 each case event carries what the aggregate decided once it was applied (its
`status` and `awaiting`). Events recorded earlier are read with those left None (see
`CaseEvent.upcast_v1_v2`): a single old event cannot say them. The case's events up to it can — the
aggregate's own rules, replayed over them, decide them now exactly as they would have been decided
then. Readers therefore never need a second, name-based copy of those rules for old data.
"""

from __future__ import annotations

from collections.abc import Iterable

from xborder.domain.cases import CaseAggregate, CaseEvent


def decide_by_replay(history: Iterable[CaseEvent]) -> list[CaseEvent]:
    """`history` (a case's events from version 1, in order) with undecided events decided by replay.

    Replays only when some event lacks its decisions; events that carry them are returned as they are.
    """
    events = list(history)
    if all(event.is_decided for event in events):
        return events
    aggregate: CaseAggregate | None = None
    result: list[CaseEvent] = []
    for event in events:
        aggregate = event.mutate(aggregate)
        assert aggregate is not None
        result.append(event if event.is_decided else aggregate.decided(event))
    return result
