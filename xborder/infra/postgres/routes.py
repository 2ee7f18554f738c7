"""Reading the event store as one province sees it: only the notifications routed to that province.

The recorder writes a route row per (event, involved province) in the events' transaction
(`xborder.infra.postgres.recorder`). A province's embedded feed selects its own rows joined to the
events table, so a province with no cases reads nothing, decodes nothing and costs one index probe per
poll; positions stay notification ids, exactly as when the whole log was read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

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
    log in one query (an idle poll is one index probe per log, in one round trip)."""

    def __init__(self, province: str, connect: Connect | None = None) -> None:
        self.province = province
        self._connect = connect
        self._queries: dict[tuple[str, ...], str] = {}

    def __call__(self, starts: Sequence[tuple[Any, int]], limit: int) -> Mapping[str, Sequence[Notification]]:
        params: list[Any] = []
        for app, start in starts:
            params += [app.name, self.province, app.name, start, limit]
        return _select_all(starts, _cached(self._queries, starts, _routed_branch), params, self._connect)


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


def _routed_branch(app: Any) -> sql.Composed:
    return sql.SQL(
        "(SELECT %s::text AS application, {columns} FROM {routes} r"
        " JOIN {schema}.{events} e ON e.notification_id = r.notification_id"
        " WHERE r.province = %s AND r.application = %s AND r.notification_id >= %s"
        " ORDER BY r.notification_id LIMIT %s)"
    ).format(
        columns=sql.SQL(_COLUMNS),
        routes=sql.Identifier(ROUTES_TABLE),
        schema=sql.Identifier(app.recorder.datastore.schema),
        events=sql.Identifier(app.recorder.events_table_name),
    )


def _whole_branch(app: Any) -> sql.Composed:
    return sql.SQL(
        "(SELECT %s::text AS application, {columns} FROM {schema}.{events} e"
        " WHERE e.notification_id >= %s ORDER BY e.notification_id LIMIT %s)"
    ).format(
        columns=sql.SQL(_COLUMNS),
        schema=sql.Identifier(app.recorder.datastore.schema),
        events=sql.Identifier(app.recorder.events_table_name),
    )


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
        for application, notification_id, originator_id, originator_version, topic, state in curs.fetchall():
            found[application].append(
                Notification(
                    id=notification_id,
                    originator_id=originator_id,
                    originator_version=originator_version,
                    topic=topic,
                    state=bytes(state),
                )
            )
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
