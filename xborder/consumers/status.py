"""Where every consumer stands: its stored positions, how far behind its sources it is, and how many
records it has parked. What `xborder status` prints and an operator checks first.

Computed from PostgreSQL (and the broker's end offsets in Kafka mode), not from the workers' memory, so
it answers the same from any process, including one where no worker runs. A province's positions and
letters are read from its own read-model database when it has one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from xborder.domain.application import CaseApplication
from xborder.infra.postgres.database import Database
from xborder.infra.postgres.recorder import ROUTES_TABLE
from xborder.projections.dead_letters import DeadLetters, projection_consumer
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


ProjectionLag = Callable[[str, Mapping[str, int]], int | None]


def routed_lag(db: Database, applications: Mapping[str, CaseApplication[Any]]) -> ProjectionLag:
    """Embedded mode: a province's feed reads only the notifications routed to it, so its lag is the
    routed notifications at or after its positions (not the whole logs' heads: a province with no new
    cases is not behind). Counted in the shared database, where the routes are."""
    names = [app.name for app in applications.values()]

    def lag_of(province: str, positions: Mapping[str, int]) -> int:
        with db.transaction() as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*) AS n FROM {} r"
                    " JOIN unnest(%s::text[], %s::bigint[]) AS p(application, start)"
                    " ON r.application = p.application"
                    " WHERE r.province = %s AND r.notification_id >= p.start"
                ).format(sql.Identifier(ROUTES_TABLE)),
                (names, [positions.get(name, 1) for name in names], province),
            ).fetchone()
        return int(row["n"]) if row else 0

    return lag_of


def broker_lag(heads: Mapping[str, Heads] | None) -> ProjectionLag:
    """Kafka mode: a province's lag on its delivery topic (`heads`: province -> its topic's
    partitions); unknown (None) when the broker did not answer."""

    def lag_of(province: str, positions: Mapping[str, int]) -> int | None:
        if heads is None:
            return None
        return lag(positions, {province: heads.get(province, {})})

    return lag_of


def consumer_statuses(
    *,
    applications: Mapping[str, CaseApplication[Any]],
    readmodels: ProvinceReadModels,
    db: Database,
    provinces: Iterable[str],
    letters: DeadLetters,
    hold_sources: Iterable[str],
    process_managers: Mapping[str, Iterable[str]],
    relay_positions: Mapping[str, int] | None,
    projection_lag: ProjectionLag,
) -> list[ConsumerStatus]:
    """`db`: the shared database (the national consumers' positions); `hold_sources`: the aggregate
    types whose events hold vehicles; `process_managers`: each one's consumer name and the aggregate
    types it reads; `relay_positions` (application -> last published id) only in Kafka mode;
    `projection_lag`: a province's lag from its positions (`routed_lag` or `broker_lag`). A province's
    positions are read from its own read-model database."""
    store = event_store_heads(applications)
    parked = letters.parked_counts()
    statuses: list[ConsumerStatus] = []
    if relay_positions is not None:
        for kind, app in applications.items():
            name = f"relay-{app.name}"
            behind = max(0, store[kind][app.name][1] - 1 - relay_positions.get(app.name, 0))
            statuses.append(ConsumerStatus(name, behind, parked.get(name, 0)))
    for code in provinces:
        name = projection_consumer(code)
        positions = readmodels.load_positions(code)
        statuses.append(ConsumerStatus(name, projection_lag(code, positions), parked.get(name, 0)))
    # The service's own national consumers read the event store in both modes.
    national: list[tuple[str, Iterable[str] | None]] = [
        (HOLDS, list(hold_sources)),
        (DEADLINES, None),
        *((name, list(kinds)) for name, kinds in process_managers.items()),
    ]
    for name, kinds in national:
        positions = load_consumer_positions(db, name)
        statuses.append(ConsumerStatus(name, lag(positions, store, kinds), parked.get(name, 0)))
    known = {status.name for status in statuses}
    statuses += [ConsumerStatus(name, None, count) for name, count in parked.items() if name not in known]
    return statuses
