"""Reading the event store as one province sees it: only the notifications routed to that province.

The recorder writes a route row per (event, involved province) in the events' transaction
(`xborder.infra.postgres.recorder`). A province's embedded feed selects its own rows joined to the
events table, so a province with no cases reads nothing, decodes nothing and costs one index probe per
poll; positions stay notification ids, exactly as when the whole log was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Notification
from psycopg import sql

from xborder.domain.routing import EventRoutes
from xborder.infra.postgres.recorder import ROUTES_TABLE, insert_routes

_BACKFILL_BATCH = 1000


class RoutedNotifications:
    """`select(application, start, limit)` for `NotificationLogFeed`: one province's notifications."""

    def __init__(self, province: str) -> None:
        self.province = province

    def __call__(self, app: Any, start: int, limit: int) -> Sequence[Notification]:
        recorder = app.recorder
        query = sql.SQL(
            "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state"
            " FROM {routes} r JOIN {schema}.{events} e ON e.notification_id = r.notification_id"
            " WHERE r.province = %s AND r.application = %s AND r.notification_id >= %s"
            " ORDER BY r.notification_id LIMIT %s"
        ).format(
            routes=sql.Identifier(ROUTES_TABLE),
            schema=sql.Identifier(recorder.datastore.schema),
            events=sql.Identifier(recorder.events_table_name),
        )
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(query, (self.province, app.name, start, limit), prepare=True)
            return [
                Notification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]


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
