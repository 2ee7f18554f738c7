"""Reading the event store as one province sees it: only the notifications routed to that province.

The recorder writes a route row per (event, involved province) in the events' transaction
(`xborder.infra.postgres.recorder`). A province's embedded feed selects its own rows joined to the
events table, so a province with no cases reads nothing, decodes nothing and costs one index probe per
poll; positions stay notification ids, exactly as when the whole log was read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from psycopg import sql
from psycopg.rows import tuple_row

from xborder.domain.routing import EventRoutes
from xborder.infra.postgres.recorder import ROUTES_TABLE, insert_routes

_BACKFILL_BATCH = 1000


_COLUMNS = "e.notification_id, e.originator_id, e.originator_version, e.topic, e.state"

# A connection to the events' database for one select. Default: the Applications' own pool, which pings
# a connection before lending it; the composition root passes xborder's pool, which does not (a poll
# that finds a dead connection fails and its consumer retries), halving a poll's round trips.
Connect = Callable[[], AbstractContextManager[Any]]


class RoutedNotifications:
    """The `NotificationSelector` of one province: only the notifications routed to it, from every
    log in one query (an idle poll is one index probe per log, in one round trip).

    `share` (index, of how many): only the notifications of the cases in that share (`share_of`), as a
    rebuild shared among processes reads them (`xborder.projections.rebuild_shares`)."""

    def __init__(
        self, province: str, connect: Connect | None = None, *, share: tuple[int, int] | None = None
    ) -> None:
        self.province = province
        self._connect = connect
        self._queries: dict[tuple[str, ...], str] = {}
        self._branch: Callable[[Any], sql.Composed] = (
            _routed_branch if share is None else partial(_routed_share_branch, share=share)
        )

    def __call__(self, starts: Sequence[tuple[Any, int]], limit: int) -> Mapping[str, Sequence[Notification]]:
        params: list[Any] = []
        for app, start in starts:
            params += [app.name, self.province, app.name, start, limit]
        return _select_all(starts, _cached(self._queries, starts, self._branch), params, self._connect)


def share_of(case_id: UUID, shares: int) -> int:
    """Which of `shares` shares a case is in: that of the equal ranges of ids its id falls in (case ids
    are random, or hashes). A case's events, its catch-up replays included, are all in the same share.

    Ranges, not a modulo: PostgreSQL estimates a range of ids from its statistics and keeps reading
    the events in notification order, where it guesses that a computed condition keeps almost nothing
    and sorts the whole table instead (90 ms a batch instead of 15)."""
    return (case_id.int * shares) >> 128


def _share_range(index: int, shares: int) -> tuple[UUID, UUID | None]:
    """The ids of share `index`: from the first (inclusive) to the second (exclusive; None: to the end)."""
    if not 0 <= index < shares:
        raise ValueError(f"not a share: {index} of {shares}")
    low = UUID(int=-((-index << 128) // shares))  # the least id whose share is `index`
    high = UUID(int=-((-(index + 1) << 128) // shares)) if index + 1 < shares else None
    return low, high


class WholeLogs:
    """The `NotificationSelector` of the national consumers on PostgreSQL: every notification of
    every log, in one query."""

    def __init__(self, connect: Connect | None = None) -> None:
        self._connect = connect
        self._queries: dict[tuple[str, ...], str] = {}

    def __call__(self, starts: Sequence[tuple[Any, int]], limit: int) -> Mapping[str, Sequence[Notification]]:
        params: list[Any] = []
        for app, start in starts:
            params += [app.name, start, limit]
        return _select_all(starts, _cached(self._queries, starts, _whole_branch), params, self._connect)


class RoutedTogether:
    """The routed notifications of several provinces read in one query (`prefetch`), then handed to
    each province's feed when it asks with the same starts (`for_province`): a consumer projecting a
    group of provinces (`xborder.consumers.province_group`) thus costs one round trip per poll however
    many provinces it looks at. A feed asking with other starts (it rewound) is answered by a query of
    its own, as `RoutedNotifications` answers it: what a feed reads never depends on the prefetch."""

    def __init__(self, provinces: Sequence[str], connect: Connect | None = None) -> None:
        self._connect = connect
        self._alone = {code: RoutedNotifications(code, connect) for code in provinces}
        self._queries: dict[tuple[str, ...], str] = {}
        self._prefetched: dict[str, tuple[tuple[tuple[str, int], ...], int, Mapping[str, Sequence[Any]]]] = {}

    def for_province(self, province: str) -> _PrefetchedFor:
        """The `NotificationSelector` of that province's feed."""
        return _PrefetchedFor(self, province)

    def prefetch(self, starts_by_province: Mapping[str, Sequence[tuple[Any, int]]], limit: int) -> None:
        """Read, in one query, what each of these provinces' feeds will ask for from these starts."""
        self._prefetched.clear()
        if not starts_by_province:
            return
        apps = next(iter(starts_by_province.values()))
        codes = list(starts_by_province)
        params: list[Any] = []
        for index, (app, _) in enumerate(apps):
            starts = [starts_by_province[code][index][1] for code in codes]
            params += [app.name, codes, starts, app.name, limit]
        key = tuple(app.name for app, _ in apps)
        query = self._queries.get(key)
        if query is None:
            query = self._queries[key] = (
                sql.SQL(" UNION ALL ").join(_together_branch(app) for app, _ in apps).as_string(None)
            )
        found: dict[str, dict[str, list[Notification]]] = {
            code: {app.name: [] for app, _ in apps} for code in codes
        }
        connection = (
            self._connect() if self._connect is not None else apps[0][0].recorder.datastore.get_connection()
        )
        with connection as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(query, params, prepare=True)
            for application, province, *columns in curs.fetchall():
                found[province][application].append(_notification(*columns))
        for code in codes:
            for notifications in found[code].values():
                notifications.sort(key=lambda notification: notification.id)
            key_starts = tuple((app.name, start) for app, start in starts_by_province[code])
            self._prefetched[code] = (key_starts, limit, found[code])

    def select(
        self, province: str, starts: Sequence[tuple[Any, int]], limit: int
    ) -> Mapping[str, Sequence[Any]]:
        """What `province`'s feed reads from `starts`: the prefetched notifications when they were read
        from exactly there (once), else a query of its own."""
        prefetched = self._prefetched.pop(province, None)
        if prefetched is not None:
            key_starts, prefetched_limit, found = prefetched
            if prefetched_limit == limit and key_starts == tuple((app.name, start) for app, start in starts):
                return found
        return self._alone[province](starts, limit)


class _PrefetchedFor:
    def __init__(self, together: RoutedTogether, province: str) -> None:
        self._together = together
        self._province = province

    def __call__(self, starts: Sequence[tuple[Any, int]], limit: int) -> Mapping[str, Sequence[Notification]]:
        return self._together.select(self._province, starts, limit)


def _names(app: Any) -> dict[str, sql.Composable]:
    """What a branch's SQL names: the columns read, the routes table, and the application's events table."""
    return {
        "columns": sql.SQL(_COLUMNS),
        "routes": sql.Identifier(ROUTES_TABLE),
        "schema": sql.Identifier(app.recorder.datastore.schema),
        "events": sql.Identifier(app.recorder.events_table_name),
    }


def _notification(
    notification_id: int, originator_id: Any, version: int, topic: str, state: Any
) -> Notification:
    return Notification(
        id=notification_id,
        originator_id=originator_id,
        originator_version=version,
        topic=topic,
        state=bytes(state),
    )


def _together_branch(app: Any) -> sql.Composed:
    """One log's routed notifications for many provinces, each from its own start (a lateral probe of
    the routes' primary key per province)."""
    return sql.SQL(
        "(SELECT %s::text AS application, r.province, {columns}"
        " FROM unnest(%s::text[], %s::bigint[]) AS s(province, start)"
        " CROSS JOIN LATERAL (SELECT r.province, r.notification_id FROM {routes} r"
        " WHERE r.province = s.province AND r.application = %s AND r.notification_id >= s.start"
        " ORDER BY r.notification_id LIMIT %s) r"
        " JOIN {schema}.{events} e ON e.notification_id = r.notification_id)"
    ).format(**_names(app))


def _routed_branch(app: Any) -> sql.Composed:
    return sql.SQL(
        "(SELECT %s::text AS application, {columns} FROM {routes} r"
        " JOIN {schema}.{events} e ON e.notification_id = r.notification_id"
        " WHERE r.province = %s AND r.application = %s AND r.notification_id >= %s"
        " ORDER BY r.notification_id LIMIT %s)"
    ).format(**_names(app))


def _routed_share_branch(app: Any, share: tuple[int, int]) -> sql.Composed:
    low, high = _share_range(*share)
    below = sql.SQL("") if high is None else sql.SQL(" AND e.originator_id < {}").format(str(high))
    return sql.SQL(
        "(SELECT %s::text AS application, {columns} FROM {routes} r"
        " JOIN {schema}.{events} e ON e.notification_id = r.notification_id"
        " WHERE r.province = %s AND r.application = %s AND r.notification_id >= %s"
        " AND e.originator_id >= {low}{below}"
        " ORDER BY r.notification_id LIMIT %s)"
    ).format(**_names(app), low=sql.Literal(str(low)), below=below)


def _whole_branch(app: Any) -> sql.Composed:
    return sql.SQL(
        "(SELECT %s::text AS application, {columns} FROM {schema}.{events} e"
        " WHERE e.notification_id >= %s ORDER BY e.notification_id LIMIT %s)"
    ).format(**_names(app))


def _cached(
    queries: dict[tuple[str, ...], str],
    starts: Sequence[tuple[Any, int]],
    branch: Callable[[Any], sql.Composed],
) -> str:
    """The one query over these logs, composed and rendered once: a feed polls with the same logs
    every time, and composing identifiers on every poll was a measurable share of a poll's cost."""
    key = tuple(app.name for app, _ in starts)
    query = queries.get(key)
    if query is None:
        query = queries[key] = sql.SQL(" UNION ALL ").join(branch(app) for app, _ in starts).as_string(None)
    return query


def _select_all(
    starts: Sequence[tuple[Any, int]], query: str, params: Sequence[Any], connect: Connect | None
) -> Mapping[str, Sequence[Notification]]:
    """Run one query over the logs (all in the Applications' one database) and split its rows by
    application, each in notification order as its branch returned them."""
    found: dict[str, list[Notification]] = {app.name: [] for app, _ in starts}
    if not starts:
        return found
    connection = connect() if connect is not None else starts[0][0].recorder.datastore.get_connection()
    # Plain tuples: a dict per row was a measurable part of reading a rebuild's notifications.
    with connection as conn, conn.cursor(row_factory=tuple_row) as curs:
        curs.execute(query, params, prepare=True)
        for application, *columns in curs.fetchall():
            found[application].append(_notification(*columns))
    return found


def backfill_routes(app: Any) -> int:
    """Route the events recorded before routes existed (an upgraded store), once per application.

    Runs at start-up under an advisory lock; a marker row says it is done. Events saved meanwhile by
    this version already carry their routes (the insert skips them)."""
    recorder = app.recorder
    marker = "SELECT 1 FROM xborder_routes_backfilled WHERE application = %s"
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute("SELECT pg_advisory_xact_lock(hashtext('xborder.routes.backfill'))")
        curs.execute(marker, (app.name,))
        if curs.fetchone() is not None:
            return 0
        routed = 0
        start = 1
        while True:
            notifications = recorder.select_notifications(start=start, limit=_BACKFILL_BATCH)
            if not notifications:
                break
            events = [app.mapper.to_domain_event(n) for n in notifications]
            routes = EventRoutes(app.name, [sorted(getattr(e, "provinces", ())) for e in events])
            insert_routes(curs, routes, [n.id for n in notifications])
            routed += len(notifications)
            start = notifications[-1].id + 1
        curs.execute("INSERT INTO xborder_routes_backfilled (application) VALUES (%s)", (app.name,))
    return routed
