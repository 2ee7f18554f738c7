"""Where every consumer stands: its stored positions, how far behind its sources it is, and how many
records it has parked. What `xborder status` prints and an operator checks first.

Computed from PostgreSQL (and the broker's end offsets in Kafka mode), not from the workers' memory, so
it answers the same from any process, including one where no worker runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from xborder.domain.application import CaseApplication
from xborder.projections.dead_letters import DeadLetters
from xborder.projections.deadlines import CONSUMER as DEADLINES
from xborder.projections.holds import CONSUMER as HOLDS
from xborder.projections.positions import load_consumer_positions
from xborder.projections.store import ProvinceReadModels

# source -> (first position, position after the last record)
Heads = Mapping[str, tuple[int, int]]
# aggregate type -> the heads of the sources carrying its events
HeadsByType = Mapping[str, Heads]


@dataclass(frozen=True, slots=True)
class ConsumerStatus:
    name: str
    lag: int | None  # records not yet read; None when the sources' ends are unknown (broker unreachable)
    parked: int

    def as_dict(self) -> dict[str, Any]:
        return {"consumer": self.name, "lag": self.lag, "parked": self.parked}


def event_store_heads(applications: Mapping[str, CaseApplication[Any]]) -> dict[str, Heads]:
    """Each notification log as a source: ids start at 1; the next one is the last plus one."""
    return {
        kind: {app.name: (1, (app.recorder.max_notification_id() or 0) + 1)}
        for kind, app in applications.items()
    }


def lag(positions: Mapping[str, int], heads: HeadsByType, kinds: Iterable[str] | None = None) -> int:
    """Records of the given aggregate types (all when None) not yet read."""
    chosen = [heads[kind] for kind in (kinds if kinds is not None else heads) if kind in heads]
    return sum(
        max(0, end - positions.get(source, first))
        for by_source in chosen
        for source, (first, end) in by_source.items()
    )


def consumer_statuses(
    *,
    applications: Mapping[str, CaseApplication[Any]],
    readmodels: ProvinceReadModels,
    provinces: Iterable[str],
    letters: DeadLetters,
    hold_sources: Iterable[str],
    process_managers: Mapping[str, Iterable[str]],
    relay_positions: Mapping[str, int] | None,
    broker_heads: HeadsByType | None,
    kafka_mode: bool,
) -> list[ConsumerStatus]:
    """`hold_sources`: the aggregate types whose events hold vehicles; `process_managers`: each one's
    consumer name and the aggregate types it reads; `relay_positions` (application -> last published
    id) only in Kafka mode; `broker_heads` are the topics' partitions when the broker answered (None
    when it did not)."""
    store = event_store_heads(applications)
    parked = letters.parked_counts()
    db = readmodels.database
    feed_heads: HeadsByType | None = broker_heads if kafka_mode else store
    statuses: list[ConsumerStatus] = []
    if kafka_mode and relay_positions is not None:
        for kind, app in applications.items():
            name = f"relay-{app.name}"
            behind = max(0, store[kind][app.name][1] - 1 - relay_positions.get(app.name, 0))
            statuses.append(ConsumerStatus(name, behind, parked.get(name, 0)))
    for code in provinces:
        name = f"projection-{code}"
        positions = readmodels.load_positions(code)
        statuses.append(
            ConsumerStatus(name, lag(positions, feed_heads) if feed_heads else None, parked.get(name, 0))
        )
    global_consumers: list[tuple[str, HeadsByType | None, Iterable[str] | None]] = [
        (HOLDS, store, list(hold_sources)),  # always the event store: it serves the transfer checks
        (DEADLINES, feed_heads, None),
        *((name, feed_heads, list(kinds)) for name, kinds in process_managers.items()),
    ]
    for name, heads, kinds in global_consumers:
        positions = load_consumer_positions(db, name)
        statuses.append(
            ConsumerStatus(name, lag(positions, heads, kinds) if heads else None, parked.get(name, 0))
        )
    known = {status.name for status in statuses}
    statuses += [ConsumerStatus(name, None, count) for name, count in parked.items() if name not in known]
    return statuses
